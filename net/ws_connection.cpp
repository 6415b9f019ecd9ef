#include "net/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <optional>

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
    auto ep = ws_.next_layer().socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void start(beast::http::request<beast::http::empty_body> req,
             const ws_session_factory& factory) {
    beast::get_lowest_layer(ws_).expires_never(); // websocket timeouts rule now
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(hard_frame_limit);
    ws_.auto_fragment(false);
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
      self->enqueue(std::move(frame));
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code,
                                    reason = std::move(reason)]() mutable {
      if (self->close_reason_ || self->closed_)
        return;
      self->close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
      if (!self->writing_)
        self->do_close();
    });
  }

  const std::string& peer() const override {
    return peer_;
  }

private:
  void read() {
    ws_.async_read_some(buffer_, read_chunk,
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
        enqueue(wire::error_frame("frame_too_large", "frame exceeds 1048576 bytes"));
      } else if (!ws_.got_text()) {
        enqueue(wire::error_frame("invalid_frame", "binary frames are not accepted"));
      } else if (handlers_.on_frame) {
        handlers_.on_frame(beast::buffers_to_string(buffer_.data()));
      }
      buffer_.consume(buffer_.size());
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

  void enqueue(std::string frame) {
    if (closed_ || close_reason_)
      return;
    if (queue_.size() >= limits_.max_queued_frames
        || queued_bytes_ + frame.size() > limits_.max_queued_bytes) {
      // A consumer this slow reconnects and catches up with `sync`.
      spdlog::warn("ws {}: send queue full, closing slow consumer", peer_);
      metrics::get().slow_consumers.fetch_add(1);
      drop_queued_frames();
      close_reason_ = websocket::close_reason(
        static_cast<websocket::close_code>(close_code::try_again), "too slow");
      if (!writing_)
        do_close();
      // A client that never reads again would never see the close frame:
      // cut the socket if the close has not completed in time.
      close_deadline_.expires_after(std::chrono::seconds(5));
      close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec && !self->closed_) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->ws_).socket().close(ignored);
        }
      });
      return;
    }
    queued_bytes_ += frame.size();
    queue_.push_back(std::move(frame));
    if (!writing_)
      write();
  }

  // Drops what waits to be sent, except a frame being written right now
  // (its buffer is in use by the write).
  void drop_queued_frames() {
    if (writing_ && !queue_.empty()) {
      auto in_flight = std::move(queue_.front());
      queue_.clear();
      queue_.push_back(std::move(in_flight));
      queued_bytes_ = queue_.front().size();
    } else {
      queue_.clear();
      queued_bytes_ = 0;
    }
  }

  void write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      queue_.clear();
      queued_bytes_ = 0;
      return; // the read side notices and finishes
    }
    metrics::get().frames_out.fetch_add(1);
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    if (!queue_.empty())
      write();
    else if (close_reason_)
      do_close();
  }

  void do_close() {
    ws_.async_close(*close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  websocket::stream<beast::tcp_stream> ws_;
  ws_limits limits_;
  std::shared_ptr<connection_registry> registry_;
  std::string peer_;
  ws_handlers handlers_;
  beast::flat_buffer buffer_;
  bool discarding_ = false;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
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
