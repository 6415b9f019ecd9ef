#include "net/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::optional<server_url> parse_server_url(const std::string& url) {
  static const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return std::nullopt;
  auto rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.find('/') != std::string::npos)
    return std::nullopt;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    return server_url{rest, "80"};
  auto host = rest.substr(0, colon);
  auto port = rest.substr(colon + 1);
  if (host.empty() || port.empty()
      || port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return server_url{host, port};
}

http_result http_call(const server_url& server, const std::string& method,
                      const std::string& target, const std::string& body,
                      const std::string& token) {
  try {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    tcp::resolver resolver{ioc};
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(server.host, server.port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, server.host);
    req.set(http::field::user_agent, "parley-cli");
    if (!token.empty())
      req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return {static_cast<int>(res.result_int()), res.body()};
  } catch (const boost::system::system_error& e) {
    throw client_error("cannot reach " + server.host + ":" + server.port + ": "
                       + e.code().message());
  }
}

struct ws_client::impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool reading = false;
  std::optional<beast::error_code> result;
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {
}

ws_client::~ws_client() = default;

void ws_client::connect(const server_url& server) {
  try {
    tcp::resolver resolver{impl_->ioc};
    auto& lowest = beast::get_lowest_layer(impl_->ws);
    lowest.expires_after(std::chrono::seconds(30));
    lowest.connect(resolver.resolve(server.host, server.port));
    lowest.expires_never();
    impl_->ws.handshake(server.host + ":" + server.port, "/v1/ws");
    impl_->ws.text(true);
  } catch (const boost::system::system_error& e) {
    throw client_error("cannot open websocket to " + server.host + ":" + server.port
                       + ": " + e.code().message());
  }
}

void ws_client::send(const std::string& frame) {
  beast::error_code ec;
  impl_->ws.write(asio::buffer(frame), ec);
  if (ec)
    throw client_error("websocket write failed: " + ec.message());
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  // A read that timed out stays pending and is picked up by the next call:
  // cancelling it would leave a Beast websocket unusable.
  if (!d.reading) {
    d.reading = true;
    d.result.reset();
    d.ws.async_read(d.buffer, [&d](beast::error_code ec, std::size_t) {
      d.result = ec;
      d.reading = false;
    });
  }
  d.ioc.restart();
  d.ioc.run_for(timeout);
  if (!d.result)
    return std::nullopt;
  auto ec = *d.result;
  d.result.reset();
  if (ec == websocket::error::closed)
    throw client_error("connection closed by server (code "
                       + std::to_string(d.ws.reason().code) + ": "
                       + std::string{d.ws.reason().reason.c_str()} + ")");
  if (ec)
    throw client_error("websocket read failed: " + ec.message());
  auto text = beast::buffers_to_string(d.buffer.data());
  d.buffer.consume(d.buffer.size());
  return text;
}

void ws_client::close() {
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
}

}  // namespace parley::client
