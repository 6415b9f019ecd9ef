#pragma once
// What the REST layer sees of HTTP: plain structs, no Beast, no CAF.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::net {

// A request body streamed to a temporary file (media uploads), with its
// SHA-256 computed on the way. The REST handler moves or deletes the file.
struct uploaded_file {
  std::string path;
  std::uint64_t size = 0;
  std::string sha256; // hex
};

struct http_request {
  std::string method;
  std::string target; // path and query
  std::string authorization;
  std::string content_type;
  std::string range;
  std::string if_none_match;
  std::string body;
  std::optional<uploaded_file> upload;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set to answer with (part of) a file instead of `body`, streamed from
  // disk in pieces.
  std::string file_path;
  std::uint64_t file_offset = 0;
  std::uint64_t file_length = 0;
  bool head_only = false; // HEAD: the headers of the answer, no body
};

http_response make_response(int status, std::string content_type, std::string body);
// {"code","message"} with `status`.
http_response error_response(int status, std::string_view code, std::string_view message);

using responder = std::function<void(http_response)>;
using rest_handler = std::function<void(http_request, responder)>;

// What a session actor sees of its websocket. Every call is thread-safe:
// it posts to the connection's strand.
class ws_link {
public:
  virtual ~ws_link() = default;
  virtual void send(std::string frame) = 0;
  // Many frames in one hand-over (and, if the socket takes them, one write).
  virtual void send_all(std::vector<std::string> frames) = 0;
  // Sends `code` after every frame queued before it, then closes.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // Cuts the socket at once, without a closing handshake (the node is
  // stopping and cannot wait for a silent peer); the session is told.
  virtual void abort() = 0;
  virtual const std::string& peer() const = 0;
};

// Called on the connection's strand; must not block.
struct ws_handlers {
  std::function<void(std::string frame)> on_frame;
  std::function<void()> on_closed; // exactly once
  // A websocket ping or pong arrived: the peer is alive, though silent.
  std::function<void()> on_activity;
};

using ws_session_factory = std::function<ws_handlers(std::shared_ptr<ws_link>)>;

// Close codes Parley uses on the websocket.
namespace close_code {
constexpr std::uint16_t going_away = 1001;  // node shutting down
constexpr std::uint16_t policy = 1008;      // abuse (rate limit)
constexpr std::uint16_t try_again = 1013;   // slow consumer: reconnect and sync
constexpr std::uint16_t unauthorized = 4401;
constexpr std::uint16_t idle = 4408;          // silent past the idle limit
} // namespace close_code

} // namespace parley::net
