#pragma once
// One HTTP/1.1 connection: reads requests one by one, answers them through
// the REST handler, and hands a websocket upgrade of /v1/ws over to
// ws_connection.
#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "net/http_types.hpp"
#include "wire/ws_link.hpp"
#include "net/listener.hpp"

namespace boost::asio::ssl {
class context;
}

namespace parley::net {

struct http_context {
  rest_endpoints rest;
  wire::ws_session_factory ws;
  std::shared_ptr<connection_registry> registry;
  listener_config cfg;
  // Held for as long as the connection is open, websocket included: its
  // place in the per-address count (net/listener.cpp).
  std::shared_ptr<void> slot;
};

void run_http_session(boost::asio::ip::tcp::socket socket, http_context ctx);

// The same over TLS: the handshake first (a client speaking plain HTTP is
// answered 400 tls_required). The connection's OpenSSL state holds its own
// reference to `tls`, which a reload may then replace.
void run_https_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                       http_context ctx);

} // namespace parley::net
