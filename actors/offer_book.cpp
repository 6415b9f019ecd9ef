#include "actors/offer_book.hpp"

namespace parley::calls {

offer_book::answer offer_book::offer(id64 device, const std::string& cid, id64 call_id,
                                     std::int64_t now) {
  if (auto it = cids_.find({device, cid}); it != cids_.end())
    return {verdict::known, it->second.call_id, it->second.ended};
  auto& times = recent_[device];
  while (!times.empty() && times.front() <= now - offer_window_ms)
    times.pop_front();
  bool limited = times.size() >= static_cast<std::size_t>(offers_per_window);
  times.push_back(now);
  if (limited)
    return {verdict::limited, 0, {}};
  cids_[{device, cid}] = {call_id, {}, 0};
  return {verdict::fresh, call_id, {}};
}

void offer_book::refused(id64 device, const std::string& cid) {
  cids_.erase({device, cid});
}

void offer_book::ended(id64 call_id, const std::string& reason, std::int64_t now) {
  for (auto& [key, e] : cids_)
    if (e.call_id == call_id && e.ended.empty()) {
      e.ended = reason;
      e.ended_at = now;
    }
}

bool offer_book::expire(std::int64_t now) {
  for (auto it = cids_.begin(); it != cids_.end();)
    if (!it->second.ended.empty() && it->second.ended_at <= now - cid_memory_ms)
      it = cids_.erase(it);
    else
      ++it;
  for (auto it = recent_.begin(); it != recent_.end();) {
    auto& times = it->second;
    while (!times.empty() && times.front() <= now - offer_window_ms)
      times.pop_front();
    it = times.empty() ? recent_.erase(it) : std::next(it);
  }
  return empty();
}

} // namespace parley::calls
