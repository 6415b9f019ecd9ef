#pragma once
// Websocket frames as a server writes them (RFC 6455 section 5.2): never
// masked, so encoding one is a header and the payload. Parley writes its
// frames this way, straight into a connection's outgoing buffer, so that
// every frame waiting for one connection leaves in one write. Also the
// opening handshake's key check and answer (section 4.2.2).
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::wire {

// Appends one unfragmented text frame carrying `payload` to `out`.
void append_text_frame(std::string& out, std::string_view payload);
// Only the header of a text frame of `length` bytes: the payload is written
// from where it is (a frame shared by many connections).
void append_text_header(std::string& out, std::size_t length);
// The answer to a ping carries its payload back (at most 125 bytes).
void append_pong_frame(std::string& out, std::string_view payload);
// A close frame with `code` and a reason cut to fit a control frame.
void append_close_frame(std::string& out, std::uint16_t code, std::string_view reason);
// A close frame with no code (the answer to a peer's close that had none).
void append_empty_close_frame(std::string& out);

// True if `key` is a Sec-WebSocket-Key: 16 bytes in base64 (24 characters).
bool valid_websocket_key(std::string_view key);
// The Sec-WebSocket-Accept answer to `key`: base64(SHA-1(key + GUID)).
std::string websocket_accept(std::string_view key);

} // namespace parley::wire
