#pragma once
// Which devices an encrypted send must address, and how a send's envelopes
// measure up (../shared/E2E.md §9, steps 3 to 5). Pure: the conversation
// actor (actors/conversation_devices.cpp) applies them; they are
// unit-tested in tests/unit/envelope_rules_test.cpp.
#include <utility>
#include <vector>

#include "actors/conversation_messages.hpp"
#include "wire/envelopes.hpp"

namespace parley {

// Every device of a current member in `known`, except the sending device,
// in numeric order. The sender's own other devices are required too.
std::vector<id64> required_devices(const member_devices& known,
                                   const std::vector<id64>& members, id64 sender_device);

enum class envelope_verdict {
  accept,
  invalid,    // step 3: malformed envelopes, or "" without a body (invalid_field)
  stale,      // step 4: not the required devices (stale_devices)
  no_devices, // step 5: neither a body nor a required device
};

struct envelope_check {
  envelope_verdict verdict = envelope_verdict::accept;
  wire::device_mismatch mismatch; // with `stale`
};

envelope_check check_envelopes(const outgoing_message& msg, const std::vector<id64>& required);

// The owners a stale_devices error names: of each missing device (from the
// required devices) and of each extra id that is or was a device.
std::vector<std::pair<id64, id64>> stale_owners(const wire::device_mismatch& mismatch,
                                                const member_devices& required,
                                                const member_devices& named_owners);

} // namespace parley
