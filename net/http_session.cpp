#include "net/http_session.hpp"
#include "actors/bad_input_log.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <limits>
#include <optional>

#include "net/file_range_body.hpp"
#include "net/tls_accept.hpp"
#include "net/upload_file.hpp"
#include "net/ws_connection.hpp"
#include "wire/client_address.hpp"
#include "wire/metrics.hpp"
#include "wire/origin.hpp"
#include "wire/upload_pace.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

constexpr auto read_timeout = std::chrono::seconds(30);
// An upload or download that moves nothing for this long is cut off.
constexpr auto stall_timeout = std::chrono::seconds(30);

// Over a plain TCP stream or over TLS (tls_stream); the rest is the same.
template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  http_session(Stream stream, http_context ctx, beast::flat_buffer already_read = {})
    : stream_(std::move(stream)), ctx_(std::move(ctx)), buffer_(std::move(already_read)) {
  }

  // Reads the next request's header; the body is read according to it.
  void read() {
    header_.emplace();
    header_->header_limit(16 * 1024);
    // Checked per route below. (Not boost::none: Beast 1.74 compares a
    // Content-Length against an empty optional and refuses every body.)
    header_->body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest().expires_after(read_timeout);
    http::async_read_header(stream_, buffer_, *header_,
                            [self = this->shared_from_this()](beast::error_code ec,
                                                        std::size_t) {
                              self->on_header(ec);
                            });
  }

private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout
           || ec == asio::error::connection_reset || ec == asio::error::eof;
  }

  void reject_malformed(beast::error_code ec) {
    log_bad_input("http: malformed request: {}", ec.message());
    keep_alive_ = false;
    write(error_response(400, "bad_request", "malformed HTTP request"));
  }

  void on_header(beast::error_code ec) {
    if (is_disconnect(ec))
      return shutdown();
    if (ec)
      return reject_malformed(ec);
    wire::metrics::get().http_requests.fetch_add(1);
    auto& req = header_->get();
    bool upgrade = beast::websocket::is_upgrade(req);
    auto view = [](beast::string_view v) { return std::string_view{v.data(), v.size()}; };
    if ((upgrade || wire::changes_state(view(req.method_string())))
        && !wire::origin_allowed(ctx_.cfg.origins, view(req[http::field::origin]),
                                 view(req[http::field::host])))
      return refuse_body(403, "bad_origin", "requests from this Origin are not accepted");
    if (upgrade) {
      if (req.target() != "/v1/ws" || !ctx_.cfg.websockets) {
        keep_alive_ = false;
        return write(error_response(404, "not_found", "no websocket at this path"));
      }
      if (auto refusal = refuse_handshake(req)) {
        keep_alive_ = false;
        return write(std::move(*refusal));
      }
      lowest().expires_never();
      start_websocket(release_for_websocket(), req, ctx_.ws,
                      {ctx_.cfg.max_frame_bytes, ctx_.cfg.max_queued_frames,
                       ctx_.cfg.max_queued_bytes},
                      ctx_.registry, ctx_.slot);
      return;
    }
    if (req.method() == http::verb::post && req.target() == "/v1/media")
      return start_upload();
    read_body();
  }

  auto release_for_websocket() {
    if constexpr (is_tls)
      return std::move(stream_);
    else
      return stream_.release_socket();
  }

  // --- JSON bodies ---------------------------------------------------------

  // A message (POST /v1/messages) may carry a large group's envelopes, as
  // its websocket frame may; every other body is small.
  std::size_t body_limit() const {
    auto& head = header_->get();
    bool message = head.method() == http::verb::post && head.target() == "/v1/messages";
    return message ? ctx_.cfg.max_frame_bytes : ctx_.cfg.max_body_bytes;
  }

  void read_body() {
    // Beast checks a declared length against the limit only while parsing
    // the header, which had no limit yet: check it here.
    auto limit = body_limit();
    auto declared = header_->content_length();
    if (declared && *declared > limit)
      return refuse_body(413, "too_large", "request body is too large");
    body_.emplace(std::move(*header_));
    body_->body_limit(limit);
    http::async_read(stream_, buffer_, *body_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_body(ec);
                     });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return refuse_body(413, "too_large", "request body is too large");
    if (is_disconnect(ec))
      return shutdown();
    if (ec)
      return reject_malformed(ec);
    auto req = body_->release();
    auto out = to_request(req);
    out.body = std::move(req.body());
    dispatch(std::move(out));
  }

  template <class Body>
  http_request to_request(const http::request<Body>& req) {
    keep_alive_ = req.keep_alive();
    http_request out;
    out.method = std::string{req.method_string()};
    out.target = std::string{req.target()};
    out.authorization = std::string{req[http::field::authorization]};
    out.content_type = std::string{req[http::field::content_type]};
    out.range = std::string{req[http::field::range]};
    out.if_none_match = std::string{req[http::field::if_none_match]};
    beast::error_code ec;
    auto peer = lowest().socket().remote_endpoint(ec);
    auto forwarded = req["X-Forwarded-For"];
    out.source = wire::client_address(ec ? std::string{} : peer.address().to_string(),
                                      {forwarded.data(), forwarded.size()},
                                      ctx_.cfg.trusted_proxies);
    return out;
  }

  void dispatch(http_request req) {
    lowest().expires_never(); // the handler may take a while (Argon2, database)
    ctx_.rest.handle(std::move(req), [self = this->shared_from_this()](http_response resp) {
      asio::post(self->stream_.get_executor(),
                 [self, resp = std::move(resp)]() mutable { self->write(std::move(resp)); });
    });
  }

  // Answers without reading the body, then drains what the client still
  // sends so it gets to read the answer.
  void refuse_body(int status, const char* code, const char* message) {
    keep_alive_ = false;
    linger_ = true;
    write(error_response(status, code, message));
  }

  // --- streamed uploads ----------------------------------------------------

  void start_upload() {
    auto& req = header_->get();
    auto declared = header_->content_length();
    if (!declared && !header_->chunked())
      return refuse_body(411, "length_required", "send Content-Length or chunked");
    if (declared && *declared > ctx_.cfg.max_upload_bytes)
      return refuse_body(413, "too_large", "upload exceeds the maximum size");
    if (declared && *declared == 0)
      return refuse_body(400, "empty_upload", "an upload needs at least one byte");
    pending_request_ = to_request(req);
    pending_request_->declared_length = declared ? static_cast<std::int64_t>(*declared) : -1;
    // Nothing of the body is read before the token and the quota say yes.
    ctx_.rest.admit_upload(*pending_request_, [self = this->shared_from_this()](upload_admission a) {
      asio::post(self->stream_.get_executor(),
                 [self, a = std::move(a)]() mutable { self->on_admitted(std::move(a)); });
    });
  }

  void on_admitted(upload_admission admission) {
    if (admission.refusal) {
      pending_request_.reset();
      keep_alive_ = false;
      linger_ = true;
      return write(std::move(*admission.refusal));
    }
    upload_limit_ = std::min<std::uint64_t>(ctx_.cfg.max_upload_bytes, admission.max_bytes);
    pending_request_->upload_ticket = std::move(admission.ticket);
    pace_.emplace(std::chrono::steady_clock::now(), upload_limit_);
    upload_ = std::make_unique<upload_file>(ctx_.cfg.upload_dir);
    if (!upload_->ok()) {
      upload_.reset();
      spdlog::error("cannot create an upload file in {}", ctx_.cfg.upload_dir);
      return refuse_body(507, "storage_full", "the server cannot store uploads now");
    }
    upload_parser_.emplace(std::move(*header_));
    header_.reset();
    upload_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    read_upload_chunk();
  }

  void read_upload_chunk() {
    auto& body = upload_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    auto left = pace_->deadline() - std::chrono::steady_clock::now();
    lowest().expires_after(std::min<std::chrono::steady_clock::duration>(stall_timeout, left));
    http::async_read_some(stream_, buffer_, *upload_parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_upload_chunk(ec);
                          });
  }

  void on_upload_chunk(beast::error_code ec) {
    if (ec == http::error::need_buffer)
      ec = {};
    auto got = chunk_.size() - upload_parser_->get().body().size;
    if (ec) {
      // Disconnected, stalled or past its deadline: the partial file is
      // removed and the reservation given back.
      upload_.reset();
      pending_request_.reset();
      if (is_disconnect(ec))
        return shutdown();
      return reject_malformed(ec);
    }
    if (got > 0 && !upload_->write(chunk_.data(), got)) {
      upload_.reset();
      return refuse_body(507, "storage_full", "the server cannot store uploads now");
    }
    if (upload_->size() > upload_limit_) {
      upload_.reset();
      pending_request_.reset();
      if (upload_limit_ < ctx_.cfg.max_upload_bytes)
        return refuse_body(413, "quota_exceeded", "this upload would exceed your storage quota");
      return refuse_body(413, "too_large", "upload exceeds the maximum size");
    }
    if (pace_->too_slow(upload_->size(), std::chrono::steady_clock::now())) {
      upload_.reset();
      pending_request_.reset();
      return refuse_body(408, "too_slow", "the upload is slower than the server accepts");
    }
    if (!upload_parser_->is_done())
      return read_upload_chunk();
    if (upload_->size() == 0) {
      upload_.reset();
      return write(error_response(400, "empty_upload", "an upload needs at least one byte"));
    }
    auto file = upload_->finish();
    upload_.reset();
    if (!file)
      return write(error_response(507, "storage_full", "the server cannot store uploads now"));
    auto req = std::move(*pending_request_);
    pending_request_.reset();
    req.upload = std::move(*file);
    dispatch(std::move(req));
  }

  // --- responses -----------------------------------------------------------

  template <class Response>
  void prepare(Response& res, const http_response& resp) {
    res.result(static_cast<http::status>(resp.status));
    res.version(11);
    res.set(http::field::server, "parleyd");
    res.set(http::field::content_type, resp.content_type);
    if constexpr (is_tls) // browsers then refuse plain http:// for this host
      res.set(http::field::strict_transport_security, "max-age=31536000");
    for (auto& [name, value] : resp.headers)
      res.set(name, value);
    res.keep_alive(keep_alive_);
  }

  // Written piece by piece, each piece with its own stall deadline: a
  // large download on a slow link goes on as long as it moves.
  template <class Response>
  void send(std::shared_ptr<Response> res) {
    using serializer = http::response_serializer<typename Response::body_type>;
    write_some(res, std::make_shared<serializer>(*res));
  }

  template <class Response, class Serializer>
  void write_some(std::shared_ptr<Response> res, std::shared_ptr<Serializer> sr) {
    lowest().expires_after(stall_timeout);
    http::async_write_some(stream_, *sr,
                           [self = this->shared_from_this(), res, sr](beast::error_code ec,
                                                                std::size_t) {
                             if (ec)
                               return self->shutdown();
                             if (!sr->is_done())
                               return self->write_some(res, sr);
                             if (!self->keep_alive_)
                               return self->shutdown();
                             self->read();
                           });
  }

  void write(http_response resp) {
    if (resp.head_only) {
      auto res = std::make_shared<http::response<http::empty_body>>();
      prepare(*res, resp);
      res->content_length(resp.file_path.empty() ? resp.body.size() : resp.file_length);
      return send(res);
    }
    if (!resp.file_path.empty()) {
      auto res = std::make_shared<http::response<file_range_body>>();
      prepare(*res, resp);
      beast::error_code ec;
      res->body().file.open(resp.file_path.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        spdlog::error("cannot open {}: {}", resp.file_path, ec.message());
        return write(error_response(500, "internal", "stored file is missing"));
      }
      res->body().offset = resp.file_offset;
      res->body().length = resp.file_length;
      res->prepare_payload();
      return send(res);
    }
    auto res = std::make_shared<http::response<http::string_body>>();
    prepare(*res, resp);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    send(res);
  }

  void shutdown() {
    if (linger_)
      return discard_rest(); // a TLS peer still sending would not read our close_notify
    if constexpr (is_tls) {
      lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->lowest().close();
      });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    }
  }

  // Reads and drops what the client still sends (bounded in time), so that
  // closing does not reset the connection before it has read our answer.
  void discard_rest() {
    linger_ = false;
    if constexpr (!is_tls) {
      beast::error_code ec;
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    }
    lowest().expires_after(std::chrono::seconds(5));
    discard_some();
  }

  void discard_some() {
    stream_.async_read_some(asio::buffer(chunk_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec)
                                self->discard_some();
                              else
                                self->lowest().close();
                            });
  }

  Stream stream_;
  http_context ctx_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_;
  std::optional<http::request_parser<http::string_body>> body_;
  std::optional<http::request_parser<http::buffer_body>> upload_parser_;
  std::optional<http_request> pending_request_;
  std::unique_ptr<upload_file> upload_;
  std::uint64_t upload_limit_ = 0;
  std::optional<wire::upload_pace> pace_;
  std::array<char, 64 * 1024> chunk_;
  bool keep_alive_ = true;
  bool linger_ = false;
};

} // namespace

void run_http_session(asio::ip::tcp::socket socket, http_context ctx) {
  std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream{std::move(socket)},
                                                    std::move(ctx))
    ->read();
}

void run_https_session(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                       http_context ctx) {
  accept_tls(std::move(socket), tls,
             [ctx = std::move(ctx)](tls_stream stream, beast::flat_buffer already_read) mutable {
               std::make_shared<http_session<tls_stream>>(std::move(stream), std::move(ctx),
                                                          std::move(already_read))
                 ->read();
             });
}

} // namespace parley::net
