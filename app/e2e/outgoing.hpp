#pragma once
// Sending one message end to end (../shared/E2E.md §9, §11): envelopes for
// every required device, the frame, and the `stale_devices` answer handled
// (extra devices forgotten, missing ones fetched, the same client id sent
// again, at most 3 retries). Groups add the sender key: distributed to the
// devices that lack it, rotated when a device that held it is no longer
// required. The caller carries the frame (websocket or REST).
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/e2e/device.hpp"

namespace parley::e2e_client {

constexpr int max_stale_retries = 3;

// Sends the frame; answers the server's `ack` or `error` frame for it.
using submit_fn = std::function<nlohmann::json(const nlohmann::json& frame)>;

// The server refused the send (its error frame), or it cannot be sent.
struct send_refused : std::runtime_error {
  send_refused(std::string code, const std::string& message)
    : std::runtime_error(code + ": " + message), code(std::move(code)) {}
  std::string code;
};

struct outgoing_message {
  std::string client_id;
  e2e::bytes plaintext;            // E2E.md §8
  std::vector<std::string> media;  // uploads the message names
};

struct sent_message {
  nlohmann::json ack;
  std::size_t devices = 0;             // envelopes in the send that was acked
  std::optional<std::uint32_t> key_id; // groups: the sender key used
  std::string conversation;
};

// To `peer` (1:1). Refused with `no_devices` if `peer` has no device with
// keys.
sent_message send_direct(device& d, id64 peer, const outgoing_message& m,
                         const submit_fn& submit);

sent_message send_group(device& d, const std::string& conversation,
                        const outgoing_message& m, const submit_fn& submit);

} // namespace parley::e2e_client
