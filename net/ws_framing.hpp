#pragma once
// Websocket frames as a server writes them (RFC 6455 section 5.2): never
// masked, so encoding one is a header and the payload. Parley writes its
// data frames this way, straight into a connection's outgoing buffer, so
// that every frame waiting for one connection leaves in one write.
#include <string>
#include <string_view>

namespace parley::net {

// Appends one unfragmented text frame carrying `payload` to `out`.
void append_text_frame(std::string& out, std::string_view payload);

} // namespace parley::net
