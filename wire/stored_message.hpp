#pragma once
// One message as PostgreSQL holds it: what storage reads and writes, what a
// conversation fans out and what the JSON writer turns into frames.
#include <cstdint>
#include <string>

#include "wire/ids.hpp"
#include "wire/shared_text.hpp"

namespace parley::wire {

struct stored_message {
  id64 msg_id = 0;
  id64 conversation = 0;
  std::int64_t seq = 0;
  id64 from = 0;
  id64 from_device = 0;
  std::int64_t ts = 0;
  shared_text body; // shared by every holder, never copied on the way
  bool system = false; // written by the server: a membership change
  bool has_body = true; // an encrypted send may carry envelopes only
  // As read for one device: its own envelope of this message (E2E.md §9),
  // empty when it has none.
  shared_text envelope;
};

} // namespace parley::wire
