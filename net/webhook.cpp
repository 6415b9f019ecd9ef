#include "net/webhook.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>

#include "net/tls_client.hpp"
#include "wire/sha256.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

ssl::context& client_tls() {
  static ssl::context ctx = verifying_client_context();
  return ctx;
}

// Resolve, connect, (handshake,) write, read: each step asynchronous on a
// private io_context, so that one deadline covers the whole exchange
// (Beast's synchronous calls ignore a tcp_stream's expiry).
template <class Stream>
struct exchange : std::enable_shared_from_this<exchange<Stream>> {
  tcp::resolver resolver;
  Stream stream;
  std::string host;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  wire::post_result result;

  template <class... Ts>
  explicit exchange(asio::io_context& ioc, Ts&&... xs)
    : resolver(ioc), stream(ioc, std::forward<Ts>(xs)...) {
  }

  void fail(const char* step, beast::error_code ec) {
    result.error = std::string{step} + ": " + ec.message();
  }

  void start(const wire::http_url& url) {
    host = url.host;
    resolver.async_resolve(url.host, url.port,
                           [self = this->shared_from_this()](auto ec, auto endpoints) {
                             if (ec)
                               return self->fail("resolve", ec);
                             self->connect(endpoints);
                           });
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    beast::get_lowest_layer(stream).async_connect(
      endpoints, [self = this->shared_from_this()](auto ec, auto) {
        if (ec)
          return self->fail("connect", ec);
        self->handshake();
      });
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      write();
    } else {
      expect_server_name(stream, host);
      stream.async_handshake(ssl::stream_base::client,
                             [self = this->shared_from_this()](auto ec) {
                               if (ec)
                                 return self->fail("TLS handshake", ec);
                               self->write();
                             });
    }
  }

  void write() {
    http::async_write(stream, req, [self = this->shared_from_this()](auto ec, std::size_t) {
      if (ec)
        return self->fail("write", ec);
      self->read();
    });
  }

  void read() {
    http::async_read(stream, buffer, res,
                     [self = this->shared_from_this()](auto ec, std::size_t) {
                       if (ec)
                         return self->fail("read", ec);
                       self->result.status = static_cast<int>(self->res.result_int());
                       beast::error_code ignored;
                       beast::get_lowest_layer(self->stream).socket().shutdown(
                         tcp::socket::shutdown_both, ignored);
                     });
  }
};

template <class Stream, class... Ts>
wire::post_result run(const wire::http_url& url, http::request<http::string_body> req,
                      std::chrono::milliseconds deadline, Ts&&... xs) {
  asio::io_context ioc;
  auto x = std::make_shared<exchange<Stream>>(ioc, std::forward<Ts>(xs)...);
  x->req = std::move(req);
  beast::get_lowest_layer(x->stream).expires_after(deadline);
  x->start(url);
  // The resolver is not covered by the stream's expiry: bound the run too.
  ioc.run_for(deadline + std::chrono::milliseconds(100));
  if (x->result.status == 0 && x->result.error.empty())
    x->result.error = "no answer within " + std::to_string(deadline.count()) + " ms";
  return x->result;
}

} // namespace

wire::post_result post_json(const wire::http_url& url, const std::string& body,
                            std::chrono::milliseconds deadline, const std::string& secret) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "parleyd-push");
  req.set(http::field::content_type, "application/json");
  if (!secret.empty())
    req.set("X-Parley-Signature", "sha256=" + wire::hmac_sha256_hex(secret, body));
  req.body() = body;
  req.prepare_payload();
  if (url.tls)
    return run<beast::ssl_stream<beast::tcp_stream>>(url, std::move(req), deadline,
                                                     client_tls());
  return run<beast::tcp_stream>(url, std::move(req), deadline);
}

} // namespace parley::net
