#pragma once
// A small synchronous Parley client (HTTP + websocket, Boost.Beast, plain
// or TLS), used by the `parley` CLI. Network failures, a certificate that
// does not verify included, throw client_error.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace parley::client {

struct client_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct server_url {
  bool tls = false; // https://: certificates are verified, host name included
  std::string host;
  std::string port;
  // PEM CA certificates to verify the server with; empty: the system's.
  std::string ca_file;
};

// Accepts http://HOST[:PORT][/] and https://HOST[:PORT][/].
std::optional<server_url> parse_server_url(const std::string& url);

struct http_result {
  int status;
  std::string body;
};

http_result http_call(const server_url& server, const std::string& method,
                      const std::string& target, const std::string& body = {},
                      const std::string& token = {});

// POSTs the file at `path` to `target` as it is read from disk (never
// whole in memory).
http_result upload_file(const server_url& server, const std::string& target,
                        const std::string& path, const std::string& content_type,
                        const std::string& token);

struct download_result {
  int status;
  std::string error_body; // the answer when status is not 200
  std::uint64_t size = 0; // bytes written
  std::string sha256;     // of what was written (hex)
  std::string etag;       // the ETag header, quotes removed
};

// GETs `target` into the file at `path` (created or truncated) when the
// answer is 200, hashing it as it streams; other answers leave the file
// untouched.
download_result download_file(const server_url& server, const std::string& target,
                              const std::string& path, const std::string& token);

class ws_client {
public:
  ws_client();
  ~ws_client();
  void connect(const server_url& server);
  void send(const std::string& frame);
  // The next text frame, or nullopt if none arrived within `timeout`.
  // Throws client_error when the connection closes.
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  void close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace parley::client
