#include "wire/envelopes.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "wire/json_out.hpp"

namespace parley::wire {

device_mismatch compare_devices(const std::vector<id64>& required,
                                const device_envelopes& given) {
  device_mismatch out;
  auto r = required.begin();
  auto g = given.begin();
  while (r != required.end() || g != given.end()) {
    if (g == given.end() || (r != required.end() && *r < g->first)) {
      out.missing.push_back(*r++);
    } else if (r == required.end() || g->first < *r) {
      out.extra.push_back((g++)->first);
    } else {
      ++r;
      ++g;
    }
  }
  return out;
}

std::string stale_devices_fields(const device_mismatch& mismatch,
                                 const std::vector<std::pair<id64, id64>>& owners) {
  auto named = nlohmann::json::object();
  for (auto& [device, user] : owners)
    named[id_to_string(device)] = id_to_string(user);
  return nlohmann::json{{"missing", ids_json(mismatch.missing)},
                        {"extra", ids_json(mismatch.extra)},
                        {"owners", std::move(named)}}
    .dump();
}

const device_envelopes& shared_envelopes::get() const {
  static const device_envelopes none;
  return envelopes_ ? *envelopes_ : none;
}

const shared_text& device_frames::for_device(id64 device) const {
  if (!own_)
    return shared_;
  auto it = std::lower_bound(own_->begin(), own_->end(), device,
                             [](const auto& entry, id64 d) { return entry.first < d; });
  return it != own_->end() && it->first == device ? it->second : shared_;
}

const device_frames::own_frames& device_frames::own() const {
  static const own_frames none;
  return own_ ? *own_ : none;
}

} // namespace parley::wire
