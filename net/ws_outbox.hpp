#pragma once
// What one websocket connection has yet to write. Frames it owns (acks,
// errors, pongs, its close) are framed into a buffer of its own; a frame it
// shares with other connections (a message to every member's devices)
// gets only its header there, and its bytes are written from the shared
// string itself: the write is one buffer sequence, one system call, and no
// connection copies a fan-out frame. Used on the connection's strand only.
#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wire/shared_text.hpp"

namespace parley::net {

class ws_outbox {
public:
  // A text frame this connection owns: framed into its own buffer.
  void add_text(std::string_view payload);
  // A text frame shared with other connections: its payload stays where it
  // is.
  void add_shared(wire::shared_text frame);
  // Bytes this connection owns that are not a data frame (the handshake
  // answer, a pong, a close): `append(buffer)` appends them.
  template <class Append>
  void add_control(Append append) {
    auto& buffer = owned();
    auto before = buffer.size();
    append(buffer);
    pending_bytes_ += buffer.size() - before;
  }

  bool empty() const {
    return pending_.empty();
  }
  std::size_t frames() const {
    return frames_;
  }
  // Queued and being written, for the slow-consumer limit.
  std::size_t bytes() const {
    return pending_bytes_ + in_flight_bytes_;
  }
  // Drops what has not been written yet (a slow consumer is cut off).
  void clear();

  // Takes what is queued as the next write; its buffers stay valid until
  // written(). Returns how many data frames it holds.
  std::size_t start_write();
  const std::vector<boost::asio::const_buffer>& buffers() const {
    return buffers_;
  }
  // The write finished: its buffers are released (an idle connection keeps
  // no memory for writing).
  void written();

private:
  std::string& owned();

  // Owned bytes, then (if set) a shared payload.
  struct segment {
    std::string bytes;
    wire::shared_text tail;
  };
  std::vector<segment> pending_;
  std::vector<segment> in_flight_;
  std::vector<boost::asio::const_buffer> buffers_;
  std::size_t pending_bytes_ = 0;
  std::size_t in_flight_bytes_ = 0;
  std::size_t frames_ = 0;
};

} // namespace parley::net
