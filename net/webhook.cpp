#include "net/webhook.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Resolve, connect, write, read: each step asynchronous on a private
// io_context, so that one deadline covers the whole exchange (Beast's
// synchronous calls ignore a tcp_stream's expiry).
struct exchange : std::enable_shared_from_this<exchange> {
  tcp::resolver resolver;
  beast::tcp_stream stream;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  wire::post_result result;

  explicit exchange(asio::io_context& ioc) : resolver(ioc), stream(ioc) {
  }

  void fail(const char* step, beast::error_code ec) {
    result.error = std::string{step} + ": " + ec.message();
  }

  void start(const wire::http_url& url) {
    resolver.async_resolve(url.host, url.port,
                           [self = shared_from_this()](auto ec, auto endpoints) {
                             if (ec)
                               return self->fail("resolve", ec);
                             self->connect(endpoints);
                           });
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    stream.async_connect(endpoints, [self = shared_from_this()](auto ec, auto) {
      if (ec)
        return self->fail("connect", ec);
      http::async_write(self->stream, self->req, [self](auto ec, std::size_t) {
        if (ec)
          return self->fail("write", ec);
        self->read();
      });
    });
  }

  void read() {
    http::async_read(stream, buffer, res, [self = shared_from_this()](auto ec, std::size_t) {
      if (ec)
        return self->fail("read", ec);
      self->result.status = static_cast<int>(self->res.result_int());
      beast::error_code ignored;
      self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }
};

} // namespace

wire::post_result post_json(const wire::http_url& url, const std::string& body,
                      std::chrono::milliseconds deadline) {
  asio::io_context ioc;
  auto x = std::make_shared<exchange>(ioc);
  x->req = {http::verb::post, url.target, 11};
  x->req.set(http::field::host, url.host + ":" + url.port);
  x->req.set(http::field::user_agent, "parleyd-push");
  x->req.set(http::field::content_type, "application/json");
  x->req.body() = body;
  x->req.prepare_payload();
  x->stream.expires_after(deadline);
  x->start(url);
  // The resolver is not covered by the stream's expiry: bound the run too.
  ioc.run_for(deadline + std::chrono::milliseconds(100));
  if (x->result.status == 0 && x->result.error.empty())
    x->result.error = "no answer within " + std::to_string(deadline.count()) + " ms";
  return x->result;
}

} // namespace parley::net
