#pragma once
// Client → server websocket frames: parsing and validation. Pure functions,
// no I/O, no actors: unit-tested and fuzzed (tests/fuzz/fuzz_frame.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wire/call_frames.hpp"
#include "wire/envelopes.hpp"
#include "wire/ids.hpp"

namespace parley::wire {

constexpr std::size_t max_body_bytes = 64 * 1024;
constexpr std::size_t max_media_per_message = 32;
// A send may carry one envelope per device of a large group (E2E.md §9).
constexpr std::size_t max_frame_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_client_id_chars = 128;

struct auth_frame {
  std::string token;
};

struct send_frame {
  std::string client_id; // the `id` value as compact JSON text ("\"a1\"" or "7")
  id64 to = 0;           // set for a 1:1 send by user id
  id64 conversation = 0; // set for a send to a known conversation
  std::string body;
  bool has_body = true; // a send with envelopes may leave it out
  // Envelopes per recipient device (E2E.md §9), if the send has them.
  std::optional<device_envelopes> envelopes;
  // Why `envelopes` is unusable, if it is: refused as `invalid_field`, but
  // only after the checks E2E.md §9 puts first (membership, a stored id).
  std::string envelopes_fault;
  // Uploads the message carries (optional `media`: 32-hex ids, at most
  // max_media_per_message, duplicates dropped), so the collector keeps them.
  std::vector<std::string> media;
};

enum class receipt_status { delivered, read };

struct receipt_frame {
  receipt_status status;
  id64 conversation;
  std::int64_t up_to;
};

struct sync_frame {
  id64 conversation = 0; // 0: every conversation of the device
  std::int64_t after = 0;
};

struct typing_frame {
  id64 conversation;
};

struct ping_frame {};

// presence.subscribe / presence.unsubscribe: `users` without duplicates.
struct watch_frame {
  bool subscribe = true;
  std::vector<id64> users;
};

// A media id as the server issues it: 32 lowercase hex digits.
bool is_media_id(std::string_view text);

// A rejected frame: `code` is the stable machine-readable reason, `ref` the
// offending frame's `id` as JSON text (empty when it had none).
struct frame_error {
  std::string code;
  std::string message;
  std::string ref;
};

using parse_result = std::variant<frame_error, auth_frame, send_frame,
                                  receipt_frame, sync_frame, typing_frame,
                                  ping_frame, watch_frame, call_frame>;

// Parses and validates one client frame. A plain `send` (a flat object)
// is read by read_plain_send without building a JSON document; everything
// else by parse_frame_with_dom.
parse_result parse_frame(std::string_view text);

// The common `send` frame read in one pass, without a JSON document (a
// document allocates a node and a string per field, on the frame every
// message starts as): a flat object of strings, plain integers, true,
// false and null, with distinct unescaped keys. Anything else, valid or
// not, gives nullopt and is left to the full parser, so that errors have
// one home. Where it gives a frame, it is the one parse_frame_with_dom
// gives (wire/plain_send.cpp).
std::optional<send_frame> read_plain_send(std::string_view text);

// parse_frame through nlohmann's parser alone: every frame kind, every
// error; the reference read_plain_send is tested against.
parse_result parse_frame_with_dom(std::string_view text);

// Validates a frame that is already a JSON object (a REST body that stands
// for a websocket frame, its "type" set), without writing and parsing it
// again: the same checks and errors as parse_frame_with_dom.
parse_result parse_frame_object(const nlohmann::json& doc);

const char* to_string(receipt_status status);

} // namespace parley::wire
