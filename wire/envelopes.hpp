#pragma once
// Per-device envelopes on a send (../shared/E2E.md §9): what a `send`
// carries for each recipient device, the check that they are exactly the
// devices it must reach, and a message's frames with each device's own
// envelope in it. Pure: no actors, no database.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wire/ids.hpp"
#include "wire/shared_text.hpp"

namespace parley::wire {

constexpr std::size_t max_envelope_bytes = 64 * 1024;

// (device, envelope) in numeric order of device, one entry per device; an
// empty envelope is a device that needs nothing pairwise (it reads the
// shared body).
using device_envelopes = std::vector<std::pair<id64, std::string>>;
// A send's envelopes, immutable once parsed: the store and the fan-out
// share them. Absent for a plain send.
class shared_envelopes {
public:
  shared_envelopes() = default;
  explicit shared_envelopes(device_envelopes envelopes)
    : envelopes_(std::make_shared<const device_envelopes>(std::move(envelopes))) {}

  bool present() const { return envelopes_ != nullptr; }
  const device_envelopes& get() const;

private:
  std::shared_ptr<const device_envelopes> envelopes_;
};

// How the devices a send addresses differ from those it must reach; both
// in numeric order.
struct device_mismatch {
  std::vector<id64> missing; // required, without an entry
  std::vector<id64> extra;   // an entry, not required
  bool none() const { return missing.empty() && extra.empty(); }
};

// `required` in numeric order.
device_mismatch compare_devices(const std::vector<id64>& required,
                                const device_envelopes& given);

// The extra fields of a `stale_devices` error, as JSON object text:
// {"missing":[...],"extra":[...],"owners":{"device":"user",...}}.
std::string stale_devices_fields(const device_mismatch& mismatch,
                                 const std::vector<std::pair<id64, id64>>& owners);

// A message's frame for every device: the shared frame, and for each device
// with a non-empty envelope its own frame carrying it. Copies share both.
class device_frames {
public:
  using own_frames = std::vector<std::pair<id64, shared_text>>;

  device_frames() = default;
  explicit device_frames(shared_text shared) : shared_(std::move(shared)) {}
  // `own` in numeric order of device.
  device_frames(shared_text shared, own_frames own)
    : shared_(std::move(shared)),
      own_(own.empty() ? nullptr : std::make_shared<const own_frames>(std::move(own))) {}

  // What `device` is sent: its own frame if it has one, else the shared one.
  const shared_text& for_device(id64 device) const;

  const shared_text& shared() const { return shared_; }
  const own_frames& own() const;

private:
  shared_text shared_;
  std::shared_ptr<const own_frames> own_;
};

} // namespace parley::wire
