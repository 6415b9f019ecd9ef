#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <optional>

#include "net/json_out.hpp"
#include "net/metrics.hpp"
#include "net/ws_connection.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

constexpr auto read_timeout = std::chrono::seconds(30);

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(asio::ip::tcp::socket socket, http_context ctx)
    : stream_(std::move(socket)), ctx_(std::move(ctx)) {
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(ctx_.cfg.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout
        || ec == asio::error::connection_reset || ec == asio::error::eof) {
      return shutdown();
    }
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      linger_ = true; // let the client finish sending so it sees the 413
      return write(error_response(413, "too_large", "request body is too large"));
    }
    if (ec) {
      keep_alive_ = false;
      return write(error_response(400, "bad_request", "malformed HTTP request"));
    }
    auto req = parser_->release();
    metrics::get().http_requests.fetch_add(1);
    if (beast::websocket::is_upgrade(req)) {
      if (req.target() != "/v1/ws") {
        keep_alive_ = false;
        return write(error_response(404, "not_found", "no websocket at this path"));
      }
      stream_.expires_never();
      start_websocket(stream_.release_socket(), std::move(req), ctx_.ws,
                      {ctx_.cfg.max_frame_bytes, ctx_.cfg.max_queued_frames},
                      ctx_.registry);
      return;
    }
    keep_alive_ = req.keep_alive();
    http_request out;
    out.method = std::string{req.method_string()};
    out.target = std::string{req.target()};
    out.authorization = std::string{req[http::field::authorization]};
    out.content_type = std::string{req[http::field::content_type]};
    out.body = std::move(req.body());
    stream_.expires_never(); // the handler may take a while (Argon2, database)
    ctx_.rest(std::move(out), [self = shared_from_this()](http_response resp) {
      asio::post(self->stream_.get_executor(),
                 [self, resp = std::move(resp)]() mutable { self->write(std::move(resp)); });
    });
  }

  static http_response error_response(int status, const char* code, const char* msg) {
    return {status, "application/json", wire::error_body(code, msg), {}};
  }

  void write(http_response resp) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<http::status>(resp.status));
    res->version(11);
    res->set(http::field::server, "parleyd");
    res->set(http::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers)
      res->set(name, value);
    res->keep_alive(keep_alive_);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    stream_.expires_after(read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_)
                          return self->shutdown();
                        self->read();
                      });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (linger_)
      discard_rest();
  }

  // Reads and drops what the client still sends (bounded in time), so that
  // closing does not reset the connection before it has read our answer.
  void discard_rest() {
    linger_ = false;
    stream_.expires_after(std::chrono::seconds(5));
    discard_some();
  }

  void discard_some() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec)
                                self->discard_some();
                            });
  }

  beast::tcp_stream stream_;
  http_context ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool linger_ = false;
  std::array<char, 16384> scratch_;
};

} // namespace

void run_http_session(asio::ip::tcp::socket socket, http_context ctx) {
  std::make_shared<http_session>(std::move(socket), std::move(ctx))->read();
}

} // namespace parley::net
