#pragma once
// Envelopes (../shared/E2E.md §7): what one device sends to one device,
// as the UTF-8 text of a JSON object.
#include <cstdint>
#include <optional>
#include <string>

#include "wire/e2e/bytes.hpp"

namespace parley::e2e {

struct envelope {
  bool prekey = false;
  bytes header; // 40
  bytes ct;     // at least 16
  // prekey envelopes only:
  bytes ik, ikdh, ek;
  std::uint32_t spk = 0;
  std::optional<std::uint32_t> opk;
};

std::string encode_envelope(const envelope& e);

// The envelope, or the code that refuses it: `unsupported_version` for a
// `v` other than 1, `bad_message` for anything else malformed.
struct parsed_envelope {
  std::optional<envelope> value;
  std::string error;
};
parsed_envelope parse_envelope(const std::string& text);

} // namespace parley::e2e
