#include "actors/upload_reservations.hpp"

#include <algorithm>

namespace parley {

reservation upload_reservations::reserve(id64 user, std::int64_t declared,
                                         std::int64_t stored) {
  auto& u = users_[user];
  if (u.uploads >= limits_.max_concurrent)
    return {upload_refusal::too_many_uploads, 0};
  auto left = limits_.quota_bytes - stored - u.bytes;
  auto wanted = declared >= 0 ? declared : std::min(left, limits_.max_upload_bytes);
  if (wanted <= 0 || wanted > left) {
    if (u.uploads == 0)
      users_.erase(user);
    return {upload_refusal::quota_exceeded, 0};
  }
  ++u.uploads;
  u.bytes += wanted;
  return {upload_refusal::none, wanted};
}

void upload_reservations::release(id64 user, std::int64_t bytes) {
  auto it = users_.find(user);
  if (it == users_.end())
    return;
  it->second.bytes = std::max<std::int64_t>(0, it->second.bytes - bytes);
  if (it->second.uploads > 0 && --it->second.uploads == 0)
    users_.erase(it);
}

unsigned upload_reservations::in_flight(id64 user) const {
  auto it = users_.find(user);
  return it == users_.end() ? 0 : it->second.uploads;
}

} // namespace parley
