#pragma once
// The first steps of a connection to a TLS listener: tell TLS from plain
// HTTP, answer plain HTTP in plain HTTP (400 tls_required: a client that
// forgot https:// learns why), and shake hands within a deadline. What
// follows is an ordinary HTTP session over the encrypted stream.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <functional>

#include "net/ws_connection.hpp" // tls_stream

namespace boost::asio::ssl {
class context;
}

namespace parley::net {

// `on_ready` gets the stream after a successful handshake, with the bytes
// already read past it (usually none). On failure the socket is closed.
void accept_tls(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                std::function<void(tls_stream, boost::beast::flat_buffer)> on_ready);

} // namespace parley::net
