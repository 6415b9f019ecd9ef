#pragma once
// One websocket connection, run on its own strand: reads frames (parsed by
// wire/ws_reader.hpp) and hands complete text messages to its session;
// gathers the frames sent to it in a bounded buffer that leaves in one
// write. Beast has already parsed the upgrade request (net/http_session).
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <memory>
#include <optional>

#include "net/http_types.hpp"
#include "wire/ws_link.hpp"

namespace parley::net {

class connection_registry;

struct ws_limits {
  std::size_t max_frame_bytes;
  std::size_t max_queued_frames;
  std::size_t max_queued_bytes;
};

// The HTTP error to answer an upgrade request with, if it is not a valid
// websocket handshake (RFC 6455 section 4.2.1); Beast has already checked
// the method, the HTTP version and the Upgrade and Connection headers.
std::optional<http_response> refuse_handshake(
  const boost::beast::http::request<boost::beast::http::empty_body>& req);

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Takes over an upgraded HTTP connection (plain or TLS) whose request
// passed `refuse_handshake`, answers it and starts reading. `registry`
// tracks the connection so shutdown can close it.
void start_websocket(boost::asio::ip::tcp::socket socket,
                     const boost::beast::http::request<boost::beast::http::empty_body>& req,
                     const wire::ws_session_factory& factory, ws_limits limits,
                     std::shared_ptr<connection_registry> registry,
                     std::shared_ptr<void> slot);
void start_websocket(tls_stream stream,
                     const boost::beast::http::request<boost::beast::http::empty_body>& req,
                     const wire::ws_session_factory& factory, ws_limits limits,
                     std::shared_ptr<connection_registry> registry,
                     std::shared_ptr<void> slot);

} // namespace parley::net
