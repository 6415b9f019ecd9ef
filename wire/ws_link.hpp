#pragma once
// What an actor sees of a websocket connection, and what a connection sees
// of the actor that serves it: plain interfaces, no Beast, no CAF, so that
// actors reach sockets without depending on the network layer above them.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wire/shared_text.hpp"

namespace parley::wire {

// What a session actor sees of its websocket. Every call is thread-safe:
// it posts to the connection's strand.
class ws_link {
public:
  virtual ~ws_link() = default;
  virtual void send(std::string frame) = 0;
  // A frame many connections send (a message to every member's devices):
  // its bytes are shared, not copied, down to the socket's write.
  virtual void send_shared(shared_text frame) = 0;
  // Many frames in one hand-over (and, if the socket takes them, one write).
  virtual void send_all(std::vector<std::string> frames) = 0;
  // Sends `code` after every frame queued before it, then closes.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // Cuts the socket at once, without a closing handshake (the node is
  // stopping and cannot wait for a silent peer); the session is told.
  virtual void abort() = 0;
  virtual const std::string& peer() const = 0;
  // The session accepted the connection's token: the small budget of an
  // unauthenticated connection (a few frames, a few KiB, 10 s) is lifted.
  virtual void authenticated() = 0;
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

} // namespace parley::wire
