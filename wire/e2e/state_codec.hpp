#pragma once
// A client's secret state as text, for its local store (the CLI's SQLite
// database): a peer device's sessions, and sender keys, own and received.
// Decoding refuses anything malformed (nothing), so a damaged row is
// noticed, never half-read.
#include <optional>
#include <string>
#include <string_view>

#include "wire/e2e/group.hpp"
#include "wire/e2e/session.hpp"

namespace parley::e2e {

std::string encode_sessions(const peer_sessions& sessions);
std::optional<peer_sessions> decode_sessions(std::string_view text);

std::string encode_own_sender_key(const own_sender_key& key);
std::optional<own_sender_key> decode_own_sender_key(std::string_view text);

std::string encode_their_sender_key(const their_sender_key& key);
std::optional<their_sender_key> decode_their_sender_key(std::string_view text);

} // namespace parley::e2e
