#pragma once
// Many websocket clients on a few threads (Boost.Beast, asynchronous): the
// load generator's connections. Each connection lives on one thread; its
// callbacks run there, so per-thread state needs no locks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::bench {

struct fleet_options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  int threads = 1;
  int source_addresses = 1; // 127.0.0.1, .2, ...: more than 28k connections
  bool tls = false;         // wss:// (the server's certificate is verified)
  std::string ca_file;      // empty: the system's CAs
};

class fleet {
public:
  // (thread, connection, frame text)
  using frame_handler = std::function<void(int, int, std::string_view)>;
  // (thread, connection, ok, microseconds from connect to `ready`, error)
  using ready_handler = std::function<void(int, int, bool, std::uint64_t, const std::string&)>;

  explicit fleet(fleet_options opts);
  ~fleet();
  fleet(const fleet&) = delete;
  fleet& operator=(const fleet&) = delete;

  // Opens connection number `id` (on thread id % threads): TCP, websocket
  // handshake, `auth` with `token`, then `on_ready` once `ready` arrives.
  void open(int id, std::string token, frame_handler on_frame, ready_handler on_ready);
  // Queues a text frame on connection `id` (thread-safe).
  void send(int id, std::string frame);
  // Runs `fn` on thread `thread` (thread-safe).
  void post(int thread, std::function<void()> fn);
  // Runs `fn(thread)` on every thread every `period` until stop().
  void every(std::chrono::microseconds period, std::function<void(int)> fn);
  int threads() const;
  // Closes every connection and joins the threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace parley::bench
