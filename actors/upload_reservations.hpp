#pragma once
// Uploads in flight, per user: how many, and how many bytes of the quota
// they have reserved. An upload is admitted before its body is read only
// if it fits what is stored plus what is reserved, so concurrent uploads
// cannot overshoot the quota together. Pure; the upload ledger actor
// (actors/upload_ledger.hpp) owns one.
#include <cstdint>
#include <unordered_map>

#include "wire/ids.hpp"

namespace parley {

struct upload_limits {
  std::int64_t quota_bytes = 0;        // per user, everything kept
  std::int64_t max_upload_bytes = 0;   // one upload
  unsigned max_concurrent = 4;         // per user, on this node
};

enum class upload_refusal { none, too_many_uploads, quota_exceeded };

struct reservation {
  upload_refusal refused = upload_refusal::none;
  std::int64_t bytes = 0; // reserved: the most the body may hold
};

class upload_reservations {
public:
  explicit upload_reservations(upload_limits limits) : limits_(limits) {
  }

  // `declared`: the Content-Length, or -1 for a chunked body (it reserves
  // what is left of the quota, up to one upload's maximum). `stored`: the
  // user's uploads kept so far.
  reservation reserve(id64 user, std::int64_t declared, std::int64_t stored);

  void release(id64 user, std::int64_t bytes);

  unsigned in_flight(id64 user) const;

private:
  struct usage {
    unsigned uploads = 0;
    std::int64_t bytes = 0;
  };

  upload_limits limits_;
  std::unordered_map<id64, usage> users_;
};

} // namespace parley
