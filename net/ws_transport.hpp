#pragma once
// How a websocket connection (net/ws_connection.cpp) moves its bytes:
// straight on the TCP socket, or through TLS. Both offer the same small
// surface, so the connection is written once over either:
//   async_wait_readable(h)  h(error_code) once bytes can be read;
//   read_now(scratch, n, ec)  what can be read without blocking (would_block
//                             when nothing is left);
//   async_write(buffers, h), close(), socket(), get_executor().
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <string_view>

namespace parley::net {

// Plain TCP: an idle connection waits for readability with no buffer at
// all, and reads into its I/O thread's buffer when bytes arrive.
class plain_transport {
public:
  using socket_type = boost::asio::ip::tcp::socket;

  explicit plain_transport(socket_type socket) : socket_(std::move(socket)) {
  }

  boost::system::error_code prepare() {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    return ec;
  }

  auto get_executor() { return socket_.get_executor(); }
  socket_type& socket() { return socket_; }

  template <class Handler>
  void async_wait_readable(Handler&& handler) {
    socket_.async_wait(socket_type::wait_read, std::forward<Handler>(handler));
  }

  std::string_view read_now(char* scratch, std::size_t size, boost::system::error_code& ec) {
    auto n = socket_.read_some(boost::asio::buffer(scratch, size), ec);
    return {scratch, ec ? 0 : n};
  }

  template <class Buffers, class Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    boost::asio::async_write(socket_, buffers, std::forward<Handler>(handler));
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(socket_type::shutdown_both, ignored);
    socket_.close(ignored);
  }

private:
  socket_type socket_;
};

// TLS: OpenSSL decrypts into a buffer of the connection's own, so an idle
// TLS connection holds that buffer besides Asio's TLS buffers (docs/
// benchmarks.md has what a TLS connection costs). Small: a larger record is
// read in several turns. Beast's ssl_stream gathers the outbox's many
// small buffers into few TLS records.
class tls_transport {
public:
  using stream_type = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  static constexpr std::size_t buffer_bytes = 4 * 1024;

  explicit tls_transport(stream_type stream)
    : stream_(std::move(stream)), buffer_(std::make_unique<char[]>(buffer_bytes)) {
  }

  boost::system::error_code prepare() { return {}; }

  auto get_executor() { return stream_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() {
    return boost::beast::get_lowest_layer(stream_).socket();
  }

  template <class Handler>
  void async_wait_readable(Handler&& handler) {
    if (ready_ > 0)
      return boost::asio::post(get_executor(), [h = std::forward<Handler>(handler)]() mutable {
        h(boost::system::error_code{});
      });
    stream_.async_read_some(boost::asio::buffer(buffer_.get(), buffer_bytes),
                            [this, h = std::forward<Handler>(handler)](
                              boost::system::error_code ec, std::size_t n) mutable {
                              ready_ = n;
                              h(ec);
                            });
  }

  std::string_view read_now(char*, std::size_t, boost::system::error_code& ec) {
    if (ready_ == 0) {
      ec = boost::asio::error::would_block;
      return {};
    }
    std::string_view got{buffer_.get(), ready_};
    ready_ = 0;
    return got;
  }

  template <class Buffers, class Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    boost::asio::async_write(stream_, buffers, std::forward<Handler>(handler));
  }

  // No close_notify: the websocket closing handshake already ended the
  // conversation, and a peer that stopped reading would stall it.
  void close() {
    boost::system::error_code ignored;
    socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

private:
  stream_type stream_;
  std::unique_ptr<char[]> buffer_;
  std::size_t ready_ = 0; // decrypted bytes in buffer_ not yet handed out
};

} // namespace parley::net
