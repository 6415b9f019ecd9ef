#pragma once
// The in-memory storage seam of the actor tests: a store actor that answers
// the messages conversations, sessions and the directory send to the
// PostgreSQL stores (actors/store.hpp), from maps, with the same rules
// where the tests depend on them: a message is unique by (conversation,
// seq) and by (sender device, client id), so a retry is a duplicate and a
// second owner's seq is a conflict.
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/conversation_messages.hpp"
#include "actors/store_messages.hpp"

namespace parley::test {

struct memory_store_state {
  std::map<id64, conversation_info> conversations;
  std::map<std::pair<id64, std::int64_t>, wire::stored_message> messages; // (conv, seq)
  std::map<std::pair<id64, std::string>, std::pair<id64, std::int64_t>> client_ids;
  std::map<std::string, identity> tokens;
  std::map<std::pair<id64, id64>, id64> direct_pairs; // (lower, higher) user
  id64 next_conversation = 1000;
  std::map<id64, id64> device_owners; // current devices with keys: device -> user
  // What was asked, in order: "load", "persist <conv>:<seq>", "members <conv>:<seq>",
  // "gap <conv>:<after>-<before>", "recover", "exists <conv>", "devices",
  // "recheck".
  std::vector<std::string> log;
  static inline const char* name = "memory_store";
};

using memory_store_actor = caf::stateful_actor<memory_store_state>;

caf::behavior memory_store(memory_store_actor* self);

// A group or 1:1 conversation with these members (the first an admin).
conversation_info make_conversation(std::string kind, std::vector<id64> members);

} // namespace parley::test
