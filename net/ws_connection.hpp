#pragma once
// One websocket connection (Beast), run on its own strand: reads frames and
// hands complete text frames to its session; gathers the frames sent to it
// in a bounded buffer that leaves in one write (net/coalescing_socket.hpp).
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <memory>

#include "net/http_types.hpp"

namespace parley::net {

class connection_registry;

struct ws_limits {
  std::size_t max_frame_bytes;
  std::size_t max_queued_frames;
  std::size_t max_queued_bytes;
};

// Takes over an upgraded HTTP socket, answers the handshake and starts
// reading. `registry` tracks it so shutdown can close it.
void start_websocket(boost::asio::ip::tcp::socket socket,
                     boost::beast::http::request<boost::beast::http::empty_body> req,
                     const ws_session_factory& factory, ws_limits limits,
                     std::shared_ptr<connection_registry> registry);

} // namespace parley::net
