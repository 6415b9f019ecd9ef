#pragma once
// The one HTTP + websocket listener of a node (Boost.Beast on Asio threads).
// GET /v1/ws upgrades to a websocket; everything else goes to the REST
// handler.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/http_types.hpp"
#include "wire/origin.hpp"
#include "wire/ws_link.hpp"

namespace parley::net {

// Open websockets, so that shutdown can close them. Touched only on
// open/close, from Asio threads, hence the mutex (no actor involved).
class connection_registry {
public:
  void add(const std::shared_ptr<wire::ws_link>& link);
  void remove(const wire::ws_link* link);
  void close_all(std::uint16_t code, const std::string& reason);
  void abort_all();
  std::size_t size() const;

private:
  std::vector<std::shared_ptr<wire::ws_link>> open_links() const;

  mutable std::mutex mtx_;
  std::unordered_map<const wire::ws_link*, std::weak_ptr<wire::ws_link>> links_;
};

struct listener_config {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int io_threads = 1;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_frame_bytes = 4 * 1024 * 1024; // a websocket frame, POST /v1/messages
  // A websocket whose client does not read is closed (1013) once this much
  // waits for it; the client reconnects and catches up with `sync`.
  std::size_t max_queued_frames = 8192;
  std::size_t max_queued_bytes = 8 * 1024 * 1024;
  // Media uploads (POST /v1/media) are streamed into this directory.
  std::string upload_dir = "var/media/tmp";
  std::uint64_t max_upload_bytes = 64ull * 1024 * 1024;
  // Browser pages of other origins may not change state (403 bad_origin).
  wire::origin_policy origins;
  // Open connections one peer address may hold (--max-connections-per-ip;
  // 0: unlimited); more are closed as soon as they are accepted.
  unsigned max_connections_per_ip = 16384;
  // False for the metrics listener: no websocket there.
  bool websockets = true;
  // Proxies whose X-Forwarded-For names the client (--trusted-proxy).
  std::vector<std::string> trusted_proxies;
  // With both (--tls-cert, --tls-key), the port speaks only HTTPS and WSS.
  std::string tls_cert;
  std::string tls_key;
};

class listener {
public:
  listener(listener_config cfg, rest_endpoints rest, wire::ws_session_factory ws);
  ~listener();

  // Binds and starts the Asio threads. Throws on bind failure or when the
  // TLS pair cannot be loaded.
  void start();
  unsigned short port() const;
  bool tls() const;
  // Reads the TLS pair again for new connections (SIGHUP); open ones keep
  // theirs. "" on success, else why the old pair stays.
  std::string reload_tls();
  void stop_accepting();
  void close_websockets(std::uint16_t code, const std::string& reason);
  // Stops the Asio threads (after the websockets had time to close).
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace parley::net
