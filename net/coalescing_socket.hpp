#pragma once
// The layer under a server websocket (Beast's NextLayer): a TCP socket whose
// writes are gathered in a buffer and leave in as few `send()`s as possible.
//
// Why: with one write per frame, a busy node spent most of its CPU in the
// kernel, one loopback/TCP round of work per frame (a sync page is 500
// frames). Here every frame waiting for a connection goes out in one write.
//
// Two writers share the buffer, both on the connection's strand:
// - the connection appends its data frames (`append_frame`, framed by
//   ws_framing.hpp);
// - Beast writes its own frames (handshake answer, pong, close) through
//   async_write_some, which appends and completes at once.
// Bytes are appended whole, in order, so frames never interleave. The
// owner starts each write (`async_flush`) and keeps itself alive while it
// runs; Beast's appends tell it through `on_appended` that there is
// something to flush.
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "net/ws_framing.hpp"

namespace parley::net {

class coalescing_socket {
public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;

  explicit coalescing_socket(socket_type socket) : socket_(std::move(socket)) {
  }

  executor_type get_executor() noexcept {
    return socket_.get_executor();
  }
  // For beast::get_lowest_layer: the socket itself (to close it).
  socket_type& next_layer() noexcept {
    return socket_;
  }
  const socket_type& next_layer() const noexcept {
    return socket_;
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    socket_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  // Beast's writes: appended whole, complete at once (as if posted).
  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    std::size_t n = 0;
    for (auto b : boost::beast::buffers_range_ref(buffers)) {
      pending_.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    if (on_appended_)
      on_appended_();
    boost::asio::post(get_executor(), boost::beast::bind_front_handler(
                                        std::forward<Handler>(handler),
                                        boost::system::error_code{}, n));
  }

  // One of the connection's text frames: framed and appended, sent by the
  // next flush.
  void append_frame(std::string_view payload) {
    append_text_frame(pending_, payload);
    ++pending_frames_;
  }
  bool has_pending() const noexcept {
    return !pending_.empty();
  }
  std::size_t pending_frames() const noexcept {
    return pending_frames_;
  }
  // Bytes not yet handed to the kernel (appended or being written).
  std::size_t unsent_bytes() const noexcept {
    return pending_.size() + in_flight_.size();
  }
  bool flushing() const noexcept {
    return flushing_;
  }
  // Forgets what has not started to leave (a slow consumer is cut off).
  void drop_pending() {
    pending_.clear();
    pending_frames_ = 0;
  }

  void on_appended(std::function<void()> fn) {
    on_appended_ = std::move(fn);
  }

  // Writes everything appended so far in one go; `handler(ec, frames)`,
  // `frames` being how many of the connection's frames left.
  template <class Handler>
  void async_flush(Handler&& handler) {
    flushing_ = true;
    in_flight_.swap(pending_);
    auto frames = std::exchange(pending_frames_, 0);
    boost::asio::async_write(
      socket_, boost::asio::buffer(in_flight_),
      [this, frames, h = std::forward<Handler>(handler)](
        boost::system::error_code ec, std::size_t) mutable {
        flushing_ = false;
        failed_ = failed_ || ec;
        release_in_flight();
        h(ec, frames);
        if (after_flush_ && (failed_ || (!flushing_ && pending_.empty())))
          std::exchange(after_flush_, {})();
      });
  }

  // Runs `fn` once every appended byte has left (or a write failed, after
  // which nothing more will): the websocket's teardown must not cut off
  // the close frame it just wrote.
  void when_flushed(std::function<void()> fn) {
    if (failed_ || (!flushing_ && pending_.empty()))
      fn();
    else
      after_flush_ = std::move(fn);
  }

private:
  // An idle connection keeps no large buffer around (memory per
  // connection is a figure we are held to).
  void release_in_flight() {
    constexpr std::size_t keep = 1024;
    if (in_flight_.capacity() > keep)
      std::string().swap(in_flight_);
    else
      in_flight_.clear();
  }

  socket_type socket_;
  std::string pending_;
  std::string in_flight_;
  std::size_t pending_frames_ = 0;
  bool flushing_ = false;
  bool failed_ = false;
  std::function<void()> on_appended_;
  std::function<void()> after_flush_;
};

// Beast tears the connection down after the closing handshake: first the
// close frame must have left.
inline void teardown(boost::beast::role_type role, coalescing_socket& s,
                     boost::system::error_code& ec) {
  boost::beast::websocket::teardown(role, s.next_layer(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, coalescing_socket& s,
                    TeardownHandler&& handler) {
  // std::function needs a copyable callable; Beast's handler is move-only.
  auto h = std::make_shared<std::decay_t<TeardownHandler>>(
    std::forward<TeardownHandler>(handler));
  s.when_flushed([role, &s, h] {
    boost::beast::websocket::async_teardown(role, s.next_layer(), std::move(*h));
  });
}

} // namespace parley::net
