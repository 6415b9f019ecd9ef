#include "net/ws_connection.hpp"
#include "actors/bad_input_log.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <string_view>
#include <vector>

#include "net/listener.hpp"
#include "net/ws_outbox.hpp"
#include "net/ws_transport.hpp"
#include "wire/json_out.hpp"
#include "wire/metrics.hpp"
#include "wire/ws_budget.hpp"
#include "wire/ws_framing.hpp"
#include "wire/ws_reader.hpp"

namespace parley::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// Past this a message is not a mistake but abuse: the connection is closed
// with 1009. Between the soft limit and this it is skipped and answered.
constexpr std::size_t hard_message_limit = 64 * 1024 * 1024;
// How long a closing handshake may take before the socket is cut.
constexpr auto close_timeout = std::chrono::seconds(5);
// Each Asio thread reads sockets into one buffer of this size; nothing is
// held per connection between messages.
constexpr std::size_t read_buffer_bytes = 64 * 1024;
// Reads per readiness before other connections on the thread get a turn.
constexpr int reads_per_turn = 4;


char* thread_read_buffer() {
  thread_local std::vector<char> buffer(read_buffer_bytes);
  return buffer.data();
}

std::string describe_peer(asio::ip::tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

// One connection, on its own strand (the socket's executor): every member
// is touched only from handlers running there.
//
// Reading: the connection waits for the socket to become readable (a small
// pending operation, no buffer), reads what is there into the thread's
// buffer and feeds it to its frame reader.
// Writing: frames queue in the outbox (net/ws_outbox.hpp) and leave
// together in one write; what arrives during a write leaves with the next.
template <class Transport>
class ws_connection final : public wire::ws_link,
                            public wire::ws_read_events,
                            public std::enable_shared_from_this<ws_connection<Transport>> {
public:
  ws_connection(Transport transport, ws_limits limits,
                std::shared_ptr<connection_registry> registry, std::shared_ptr<void> slot)
    : transport_(std::move(transport)), limits_(limits), registry_(std::move(registry)),
      slot_(std::move(slot)), reader_(limits.max_frame_bytes, hard_message_limit),
      peer_(describe_peer(transport_.socket())) {
  }

  void start(std::string_view key, const wire::ws_session_factory& factory) {
    if (auto ec = transport_.prepare()) {
      spdlog::info("ws {}: handshake failed: {}", peer_, ec.message());
      return;
    }
    outbox_.add_control([&](std::string& out) {
      out += "HTTP/1.1 101 Switching Protocols\r\n"
             "Upgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Accept: " + wire::websocket_accept(key) + "\r\n\r\n";
    });
    flush();
    auth_deadline_ = std::make_unique<asio::steady_timer>(transport_.get_executor());
    auth_deadline_->expires_after(wire::ws_budget::stranger_time);
    auth_deadline_->async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec && !self->budget_.is_authenticated())
        self->refuse_stranger("authenticate within 10 s");
    });
    handlers_ = factory(this->shared_from_this());
    registry_->add(this->shared_from_this());
    wire::metrics::get().ws_open.fetch_add(1);
    wire::metrics::get().ws_accepted.fetch_add(1);
    spdlog::info("ws {}: open", peer_);
    wait_readable();
  }

  // --- ws_link: called from any thread, posted to the strand ---------------

  void send_shared(wire::shared_text frame) override {
    asio::post(transport_.get_executor(), [self = this->shared_from_this(),
                                        frame = std::move(frame)]() mutable {
      self->enqueue_shared(std::move(frame));
      self->flush();
    });
  }

  void send(std::string frame) override {
    asio::post(transport_.get_executor(), [self = this->shared_from_this(),
                                        frame = std::move(frame)]() mutable {
      self->send_now(frame);
    });
  }

  void send_all(std::vector<std::string> frames) override {
    asio::post(transport_.get_executor(), [self = this->shared_from_this(),
                                        frames = std::move(frames)]() mutable {
      for (auto& frame : frames)
        self->enqueue(frame);
      self->flush();
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(transport_.get_executor(), [self = this->shared_from_this(), code,
                                        reason = std::move(reason)]() mutable {
      self->start_close(code, reason);
    });
  }

  void abort() override {
    asio::post(transport_.get_executor(), [self = this->shared_from_this()] {
      self->close_socket("cut off: the node is stopping");
    });
  }

  const std::string& peer() const override {
    return peer_;
  }

  void authenticated() override {
    asio::post(transport_.get_executor(), [self = this->shared_from_this()] {
      self->budget_.authenticated();
      if (self->auth_deadline_)
        self->auth_deadline_->cancel();
    });
  }

private:
  // --- reading ------------------------------------------------------------

  void wait_readable() {
    transport_.async_wait_readable(
      [self = this->shared_from_this()](error_code ec) { self->on_readable(ec); });
  }

  void on_readable(error_code ec) {
    if (ec)
      return close_socket(ec.message());
    if (lagging()) {
      reading_paused_ = true; // on_written reads again once the outbox drains
      return;
    }
    char* buffer = thread_read_buffer();
    for (int turn = 0; turn < reads_per_turn; ++turn) {
      auto bytes = transport_.read_now(buffer, read_buffer_bytes, ec);
      if (ec == asio::error::would_block)
        break;
      if (ec)
        return close_socket(ec == asio::error::eof ? "connection closed by peer" : ec.message());
      if (!consume(bytes))
        return; // closing: nothing more is read
      if (bytes.size() < read_buffer_bytes)
        break; // the socket is drained
    }
    wait_readable();
  }

  // Reading waits while half the send buffer is full: a client that sends
  // but does not read the answers stops being read, and its own TCP
  // window holds what it sends, not the node's memory.
  bool lagging() const {
    return outbox_.bytes() > limits_.max_queued_bytes / 2;
  }

  void refuse_stranger(const char* why) {
    log_bad_input("ws {}: {} before authenticating, closing", peer_, why);
    wire::metrics::get().frame_errors.fetch_add(1);
    start_close(wire::close_code::unauthorized, why);
    close_when_flushed();
  }

  // False once nothing more should be read.
  bool consume(std::string_view bytes) {
    if (!budget_.take_bytes(bytes.size())) {
      refuse_stranger("more than 16 KiB");
      return false;
    }
    if (auto violation = reader_.feed(bytes, *this)) {
      log_bad_input("ws {}: protocol violation ({}), closing with {}", peer_,
                   violation->reason, violation->code);
      wire::metrics::get().frame_errors.fetch_add(1);
      start_close(violation->code, violation->reason);
      close_when_flushed();
      return false;
    }
    return !peer_closed_;
  }

  // --- ws_read_events -----------------------------------------------------

  void on_text(std::string message) override {
    if (!budget_.take_frame())
      return refuse_stranger("more than 8 frames");
    if (!close_sent_ && handlers_.on_frame)
      handlers_.on_frame(std::move(message));
  }

  void on_binary() override {
    send_now(wire::error_frame("invalid_frame", "binary frames are not accepted"));
  }

  void on_oversize() override {
    send_now(wire::error_frame("frame_too_large", "frame exceeds "
                                                    + std::to_string(limits_.max_frame_bytes)
                                                    + " bytes"));
  }

  // Pings and pongs prove the peer is there, though it sends no frames.
  // At most one pong waits to be written (RFC 6455 lets one answer several
  // pings), and it counts toward the send buffer's limit.
  void on_ping(std::string_view payload) override {
    auto verdict = budget_.take_ping(std::chrono::steady_clock::now());
    if (verdict == wire::ws_budget::ping_verdict::flood) {
      if (!budget_.is_authenticated())
        return refuse_stranger("more than 8 frames");
      spdlog::warn("ws {}: closed for a ping flood", peer_);
      start_close(wire::close_code::policy, "ping rate exceeded");
      close_when_flushed();
      return;
    }
    if (verdict == wire::ws_budget::ping_verdict::ignore)
      return;
    if (!close_sent_ && !pong_pending_ && admits(payload.size() + 2)) {
      pong_pending_ = true;
      outbox_.add_control([&](std::string& out) { wire::append_pong_frame(out, payload); });
      flush();
    }
    note_activity();
  }

  void on_pong() override {
    note_activity();
  }

  // The peer's close: answered with the same code unless we closed first,
  // then the socket is closed once the answer has left.
  void on_close(std::optional<std::uint16_t> code, std::string_view) override {
    peer_closed_ = true;
    if (!close_sent_) {
      close_sent_ = true;
      outbox_.add_control([&](std::string& out) {
        if (code)
          wire::append_close_frame(out, *code, {});
        else
          wire::append_empty_close_frame(out);
      });
      flush();
    }
    close_when_flushed();
  }

  void note_activity() {
    if (handlers_.on_activity)
      handlers_.on_activity();
  }

  // --- writing ------------------------------------------------------------

  // Appends one data frame to what leaves with the next write; the caller
  // flushes.
  void enqueue(std::string_view frame) {
    if (admits(frame.size()))
      outbox_.add_text(frame);
  }

  void enqueue_shared(wire::shared_text frame) {
    if (admits(frame.size()))
      outbox_.add_shared(std::move(frame));
  }

  // False (and the consumer cut off) if one more frame would be too much.
  bool admits(std::size_t frame_bytes) {
    if (close_sent_ || socket_closed_)
      return false;
    if (outbox_.frames() >= limits_.max_queued_frames
        || outbox_.bytes() + frame_bytes > limits_.max_queued_bytes) {
      cut_off_slow_consumer();
      return false;
    }
    return true;
  }

  void send_now(std::string_view frame) {
    enqueue(frame);
    flush();
  }

  void flush() {
    if (flushing_ || outbox_.empty() || socket_closed_)
      return;
    flushing_ = true;
    auto frames = outbox_.start_write();
    transport_.async_write(outbox_.buffers(),
                           [self = this->shared_from_this(), frames](error_code ec, std::size_t) {
                             self->on_written(ec, frames);
                           });
  }

  void on_written(error_code ec, std::size_t frames) {
    flushing_ = false;
    // An idle connection keeps no buffer (memory per connection is a
    // figure we are held to).
    outbox_.written();
    pong_pending_ = false;
    if (ec)
      return close_socket("write failed: " + ec.message());
    if (reading_paused_ && !lagging() && !socket_closed_ && !peer_closed_) {
      reading_paused_ = false;
      wait_readable();
    }
    wire::metrics::get().frames_out.fetch_add(frames);
    if (!outbox_.empty())
      return flush();
    if (close_when_flushed_)
      close_socket("closed");
  }

  // --- closing ------------------------------------------------------------

  // A consumer this slow reconnects and catches up with `sync`.
  void cut_off_slow_consumer() {
    spdlog::warn("ws {}: send queue full, closing slow consumer", peer_);
    wire::metrics::get().slow_consumers.fetch_add(1);
    outbox_.clear();
    start_close(wire::close_code::try_again, "too slow");
  }

  // Our close frame leaves after every frame queued before it; the peer's
  // answer completes the handshake. A peer that never answers (or never
  // reads) is cut off after the close timeout.
  void start_close(std::uint16_t code, std::string_view reason) {
    if (close_sent_ || socket_closed_)
      return;
    close_sent_ = true;
    outbox_.add_control([&](std::string& out) { wire::append_close_frame(out, code, reason); });
    flush();
    deadline_ = std::make_unique<asio::steady_timer>(transport_.get_executor());
    deadline_->expires_after(close_timeout);
    deadline_->async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec)
        self->close_socket("closing handshake timed out");
    });
  }

  void close_when_flushed() {
    close_when_flushed_ = true;
    if (!flushing_ && outbox_.empty())
      close_socket("closed");
  }

  // The one way a connection ends: the session hears of it exactly once.
  void close_socket(const std::string& why) {
    if (socket_closed_)
      return;
    socket_closed_ = true;
    transport_.close();
    if (deadline_)
      deadline_->cancel();
    if (auth_deadline_)
      auth_deadline_->cancel();
    registry_->remove(this);
    wire::metrics::get().ws_open.fetch_sub(1);
    spdlog::info("ws {}: closed ({})", peer_, why);
    if (handlers_.on_closed)
      handlers_.on_closed();
    handlers_ = {}; // they hold the session; the session holds us
  }

  Transport transport_;
  ws_limits limits_;
  std::shared_ptr<connection_registry> registry_;
  std::shared_ptr<void> slot_; // this connection's place in its address's count
  wire::ws_budget budget_;
  std::unique_ptr<asio::steady_timer> auth_deadline_;
  bool pong_pending_ = false;
  bool reading_paused_ = false;
  wire::ws_reader reader_;
  std::string peer_;
  wire::ws_handlers handlers_;

  ws_outbox outbox_;
  bool flushing_ = false;

  bool close_sent_ = false;
  bool peer_closed_ = false;
  bool close_when_flushed_ = false;
  bool socket_closed_ = false;
  std::unique_ptr<asio::steady_timer> deadline_; // only while closing
};

template <class Transport>
void start_on(Transport transport, const http::request<http::empty_body>& req,
              const wire::ws_session_factory& factory, ws_limits limits,
              std::shared_ptr<connection_registry> registry, std::shared_ptr<void> slot) {
  auto conn = std::make_shared<ws_connection<Transport>>(std::move(transport), limits,
                                                         std::move(registry), std::move(slot));
  auto key = req[http::field::sec_websocket_key];
  conn->start(std::string_view(key.data(), key.size()), factory);
}

} // namespace

void start_websocket(asio::ip::tcp::socket socket, const http::request<http::empty_body>& req,
                     const wire::ws_session_factory& factory, ws_limits limits,
                     std::shared_ptr<connection_registry> registry,
                     std::shared_ptr<void> slot) {
  start_on(plain_transport{std::move(socket)}, req, factory, limits, std::move(registry),
           std::move(slot));
}

void start_websocket(tls_stream stream, const http::request<http::empty_body>& req,
                     const wire::ws_session_factory& factory, ws_limits limits,
                     std::shared_ptr<connection_registry> registry,
                     std::shared_ptr<void> slot) {
  start_on(tls_transport{std::move(stream)}, req, factory, limits, std::move(registry),
           std::move(slot));
}

} // namespace parley::net
