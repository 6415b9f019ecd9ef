#include "net/tls_accept.hpp"
#include "actors/bad_input_log.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>

#include "net/http_types.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

// How long a client has to send its hello and finish the handshake.
constexpr auto handshake_timeout = std::chrono::seconds(10);

class tls_acceptor : public std::enable_shared_from_this<tls_acceptor> {
public:
  tls_acceptor(asio::ip::tcp::socket socket, asio::ssl::context& tls,
               std::function<void(tls_stream, beast::flat_buffer)> on_ready)
    : stream_(beast::tcp_stream{std::move(socket)}, tls), on_ready_(std::move(on_ready)) {
  }

  void start() {
    lowest().expires_after(handshake_timeout);
    beast::async_detect_ssl(lowest(), buffer_,
                            [self = shared_from_this()](beast::error_code ec, bool hello) {
                              self->on_detected(ec, hello);
                            });
  }

private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_detected(beast::error_code ec, bool hello) {
    if (ec)
      return lowest().close();
    if (!hello)
      return refuse_plain_http();
    stream_.async_handshake(asio::ssl::stream_base::server, buffer_.data(),
                            [self = shared_from_this()](beast::error_code ec,
                                                        std::size_t used) {
                              self->on_handshake(ec, used);
                            });
  }

  void on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {
      log_bad_input("https: TLS handshake failed: {}", ec.message());
      return lowest().close();
    }
    buffer_.consume(used);
    lowest().expires_never();
    on_ready_(std::move(stream_), std::move(buffer_));
  }

  void refuse_plain_http() {
    log_bad_input("https: plain HTTP on the TLS port");
    auto answer = error_response(400, "tls_required", "this port speaks HTTPS only");
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(http::status::bad_request);
    res->set(http::field::server, "parleyd");
    res->set(http::field::content_type, answer.content_type);
    res->body() = std::move(answer.body);
    res->keep_alive(false);
    res->prepare_payload();
    http::async_write(lowest(), *res,
                      [self = shared_from_this(), res](beast::error_code, std::size_t) {
                        self->lowest().close();
                      });
  }

  tls_stream stream_;
  beast::flat_buffer buffer_;
  std::function<void(tls_stream, beast::flat_buffer)> on_ready_;
};

} // namespace

void accept_tls(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                std::function<void(tls_stream, beast::flat_buffer)> on_ready) {
  std::make_shared<tls_acceptor>(std::move(socket), tls, std::move(on_ready))->start();
}

} // namespace parley::net
