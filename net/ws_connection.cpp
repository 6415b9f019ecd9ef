#include "net/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>
#include <vector>

#include "net/coalescing_socket.hpp"
#include "net/json_out.hpp"
#include "net/listener.hpp"
#include "net/metrics.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {

// Frames arrive in pieces of at most this size, so an oversize frame can be
// skipped without ever holding it whole.
constexpr std::size_t read_chunk = 64 * 1024;
// Past this a frame is not a mistake but abuse: Beast closes with 1009.
constexpr std::size_t hard_frame_limit = 64 * 1024 * 1024;

class ws_connection final : public ws_link,
                            public std::enable_shared_from_this<ws_connection> {
public:
  ws_connection(asio::ip::tcp::socket socket, ws_limits limits,
                std::shared_ptr<connection_registry> registry)
    : ws_(std::move(socket)), limits_(limits), registry_(std::move(registry)),
      close_deadline_(ws_.get_executor()) {
    beast::error_code ec;
    auto ep = ws_.next_layer().next_layer().remote_endpoint(ec);
    peer_ = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
    // Called only from inside Beast's operations on this connection, whose
    // handlers keep it alive.
    ws_.next_layer().on_appended([this] { flush(); });
  }

  void start(beast::http::request<beast::http::empty_body> req,
             const ws_session_factory& factory) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(hard_frame_limit);
    ws_.async_accept(req, [self = shared_from_this(), factory](beast::error_code ec) {
      if (ec) {
        spdlog::info("ws {}: handshake failed: {}", self->peer_, ec.message());
        return;
      }
      self->handlers_ = factory(self);
      // Control frames are handled by Beast; they still prove the peer is
      // there (clients that keep alive with protocol pings are not idle).
      self->ws_.control_callback([weak = std::weak_ptr<ws_connection>(self)](
                                   websocket::frame_type kind, beast::string_view) {
        auto me = weak.lock();
        if (me && kind != websocket::frame_type::close && me->handlers_.on_activity)
          me->handlers_.on_activity();
      });
      self->registry_->add(self);
      metrics::get().ws_open.fetch_add(1);
      metrics::get().ws_accepted.fetch_add(1);
      spdlog::info("ws {}: open", self->peer_);
      self->read();
    });
  }

  void send(std::string frame) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(),
                                    frame = std::move(frame)]() mutable {
      self->send_now(frame);
    });
  }

  // One hand-over for many frames (a sync page), and one write for them.
  void send_all(std::vector<std::string> frames) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(),
                                    frames = std::move(frames)]() mutable {
      for (auto& frame : frames)
        self->enqueue(frame);
      self->flush();
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code,
                                    reason = std::move(reason)]() mutable {
      if (self->close_reason_ || self->closed_)
        return;
      self->start_close(websocket::close_reason(static_cast<websocket::close_code>(code),
                                                reason));
    });
  }

  const std::string& peer() const override {
    return peer_;
  }

private:
  void read() {
    // Between frames a connection holds a small buffer; a large frame
    // grows it, and it is given back once the frame is handled.
    auto limit = ws_.is_message_done() ? idle_read_bytes : read_chunk;
    ws_.async_read_some(buffer_, limit,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->on_read(ec);
                        });
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return finish(ec);
    if (buffer_.size() > limits_.max_frame_bytes) {
      discarding_ = true;
      buffer_.consume(buffer_.size());
    }
    if (ws_.is_message_done()) {
      if (discarding_) {
        discarding_ = false;
        send_now(wire::error_frame("frame_too_large", "frame exceeds 1048576 bytes"));
      } else if (!ws_.got_text()) {
        send_now(wire::error_frame("invalid_frame", "binary frames are not accepted"));
      } else if (handlers_.on_frame) {
        handlers_.on_frame(beast::buffers_to_string(buffer_.data()));
      }
      buffer_.consume(buffer_.size());
      if (buffer_.capacity() > idle_read_bytes)
        buffer_.shrink_to_fit();
    }
    read();
  }

  void finish(beast::error_code ec) {
    if (closed_)
      return;
    closed_ = true;
    registry_->remove(this);
    metrics::get().ws_open.fetch_sub(1);
    spdlog::info("ws {}: closed ({})", peer_,
                 ec == websocket::error::closed ? "by peer" : ec.message());
    if (handlers_.on_closed)
      handlers_.on_closed();
    handlers_ = {};
  }

  // Appends one frame to what leaves with the next write; the caller
  // flushes. Frames arriving while a write runs wait for it and leave
  // together after it.
  void enqueue(std::string_view frame) {
    if (closed_ || close_reason_ || !ws_.is_open())
      return;
    auto& out = ws_.next_layer();
    if (out.pending_frames() >= limits_.max_queued_frames
        || out.unsent_bytes() + frame.size() > limits_.max_queued_bytes)
      return cut_off_slow_consumer();
    out.append_frame(frame);
  }

  void send_now(std::string_view frame) {
    enqueue(frame);
    flush();
  }

  void flush() {
    auto& out = ws_.next_layer();
    if (out.flushing() || !out.has_pending())
      return;
    out.async_flush([self = shared_from_this()](beast::error_code ec, std::size_t frames) {
      if (ec)
        return; // the read side notices and finishes
      metrics::get().frames_out.fetch_add(frames);
      self->flush(); // what arrived during the write
    });
  }

  // A consumer this slow reconnects and catches up with `sync`.
  void cut_off_slow_consumer() {
    spdlog::warn("ws {}: send queue full, closing slow consumer", peer_);
    metrics::get().slow_consumers.fetch_add(1);
    ws_.next_layer().drop_pending();
    start_close(websocket::close_reason(
      static_cast<websocket::close_code>(close_code::try_again), "too slow"));
    // A client that never reads again would never see the close frame:
    // cut the socket if the close has not completed in time.
    close_deadline_.expires_after(std::chrono::seconds(5));
    close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->closed_) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).close(ignored);
      }
    });
  }

  // The close frame is appended behind every frame already queued, so it
  // leaves after them.
  void start_close(websocket::close_reason reason) {
    close_reason_ = std::move(reason);
    ws_.async_close(*close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  static constexpr std::size_t idle_read_bytes = 512;

  websocket::stream<coalescing_socket> ws_;
  ws_limits limits_;
  std::shared_ptr<connection_registry> registry_;
  std::string peer_;
  ws_handlers handlers_;
  beast::flat_buffer buffer_;
  bool discarding_ = false;
  bool closed_ = false;
  std::optional<websocket::close_reason> close_reason_;
  asio::steady_timer close_deadline_;
};

} // namespace

void start_websocket(asio::ip::tcp::socket socket,
                     beast::http::request<beast::http::empty_body> req,
                     const ws_session_factory& factory, ws_limits limits,
                     std::shared_ptr<connection_registry> registry) {
  auto conn = std::make_shared<ws_connection>(std::move(socket), limits,
                                              std::move(registry));
  conn->start(std::move(req), factory);
}

} // namespace parley::net
