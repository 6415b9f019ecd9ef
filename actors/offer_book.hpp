#pragma once
// A user's call offers, kept by their presence actor so that they outlive
// any one connection (../shared/CALLS.md): the rate limit (10 offers per
// device in 60 s, refused ones included) and each device's client ids
// (CIDs) with the call they created, kept 10 minutes after it ended, so a
// resent offer never rings twice. Pure code, unit-tested in
// tests/unit/offer_book_test.cpp; the clock is passed in (ms).
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "wire/ids.hpp"

namespace parley::calls {

constexpr int offers_per_window = 10;
constexpr std::int64_t offer_window_ms = 60'000;
constexpr std::int64_t cid_memory_ms = 10 * 60'000;

class offer_book {
public:
  enum class verdict { fresh, known, limited };

  struct answer {
    verdict kind = verdict::fresh;
    id64 call_id = 0;
    std::string ended; // the caller's call.ended reason, once over ("": still live)
  };

  // An offer `cid` from `device`: the call it made before (a resend, which
  // does not count), else counted and refused past the limit, else
  // remembered as the new call `call_id`.
  answer offer(id64 device, const std::string& cid, id64 call_id, std::int64_t now);
  // The offer was refused after it was counted: the CID may be used again.
  void refused(id64 device, const std::string& cid);
  // The call ended; its CID is kept for cid_memory_ms.
  void ended(id64 call_id, const std::string& reason, std::int64_t now);
  // Drops what has expired; true when nothing is left.
  bool expire(std::int64_t now);
  bool empty() const { return cids_.empty() && recent_.empty(); }

private:
  struct entry {
    id64 call_id = 0;
    std::string ended;
    std::int64_t ended_at = 0;
  };
  std::unordered_map<id64, std::deque<std::int64_t>> recent_; // offer times per device
  std::map<std::pair<id64, std::string>, entry> cids_;
};

} // namespace parley::calls
