#pragma once
// What an envelope or a group body carries (../shared/E2E.md §8): the UTF-8
// text of a JSON object with a string `t`. Writing the three kinds a
// client sends, and reading any: an unknown `t` is kept (shown as
// unsupported), anything else is `bad_plaintext`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/e2e/bytes.hpp"

namespace parley::e2e {

struct media_ref {
  std::string media_id;
  bytes key; // 32
  std::string sha256; // HEX of the upload
  std::uint64_t size = 0; // of the file
  std::string content_type;
  std::string name;
};

struct sender_key_share {
  std::string conversation;
  std::uint32_t key_id = 0;
  std::uint32_t iteration = 0;
  bytes chain_key;   // 32
  bytes signing_key; // 32, Ed25519 public
};

struct plaintext {
  std::string t;
  std::string text;       // "text"
  media_ref media;        // "media"
  sender_key_share share; // "sender_key"
};

// `pad_to` > 0 adds a "pad" of spaces so the text is at least that long.
std::string text_plaintext(std::string_view text, std::size_t pad_to = 0);
std::string media_plaintext(const media_ref& media);

struct parsed_plaintext {
  std::optional<plaintext> value;
  std::string error; // bad_plaintext
};

parsed_plaintext parse_plaintext(const bytes& raw);

} // namespace parley::e2e
