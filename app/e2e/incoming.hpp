#pragma once
// Receiving one message end to end (../shared/E2E.md §9, §11, §13): the
// pairwise envelope opened first (a sender key it carries is stored, not
// shown), then a group body under the sender's key; the new state and the
// message as `listen --json` shows it written in one transaction, before
// the caller sends the `delivered` receipt. A message that cannot be
// decrypted is kept and shown with its code, never dropped.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/e2e/device.hpp"

namespace parley::e2e_client {

struct received {
  // What to show (and now in the history); none for a duplicate, a message
  // that only carried a sender key, or one with nothing for this device.
  std::optional<nlohmann::json> shown;
};

// `frame` is a `message` frame (live, sync or history); `group` tells
// whether its conversation is a group.
received receive(device& d, const nlohmann::json& frame, bool group);

// What a sent message looks like in this device's own history.
nlohmann::json sent_record(const device& d, const nlohmann::json& ack,
                           const e2e::bytes& plaintext, bool group);

} // namespace parley::e2e_client
