#include "actors/envelope_rules.hpp"

#include <algorithm>

namespace parley {

std::vector<id64> required_devices(const member_devices& known,
                                   const std::vector<id64>& members, id64 sender_device) {
  std::vector<id64> out;
  for (std::size_t i = 0; i < known.devices.size(); ++i) {
    auto device = known.devices[i];
    if (device != sender_device
        && std::find(members.begin(), members.end(), known.users[i]) != members.end())
      out.push_back(device);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

envelope_check check_envelopes(const outgoing_message& msg, const std::vector<id64>& required) {
  envelope_check out;
  auto& given = msg.envelopes.get();
  auto empty = [](const auto& entry) { return entry.second.empty(); };
  if (!msg.envelopes_fault.empty()
      || (!msg.has_body && std::any_of(given.begin(), given.end(), empty))) {
    out.verdict = envelope_verdict::invalid;
    return out;
  }
  out.mismatch = wire::compare_devices(required, msg.envelopes.get());
  if (!out.mismatch.none())
    out.verdict = envelope_verdict::stale;
  else if (!msg.has_body && required.empty())
    out.verdict = envelope_verdict::no_devices;
  return out;
}

namespace {

void add_owner(id64 device, const member_devices& from,
               std::vector<std::pair<id64, id64>>& out) {
  for (std::size_t i = 0; i < from.devices.size(); ++i)
    if (from.devices[i] == device) {
      out.emplace_back(device, from.users[i]);
      return;
    }
}

} // namespace

std::vector<std::pair<id64, id64>> stale_owners(const wire::device_mismatch& mismatch,
                                                const member_devices& required,
                                                const member_devices& named_owners) {
  std::vector<std::pair<id64, id64>> out;
  for (auto device : mismatch.missing)
    add_owner(device, required, out);
  for (auto device : mismatch.extra)
    add_owner(device, named_owners, out);
  return out;
}

} // namespace parley
