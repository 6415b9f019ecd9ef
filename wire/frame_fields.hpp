#pragma once
// The field checks every client frame shares (wire/frame.cpp,
// wire/call_frames.cpp): a refused field is thrown as field_rejection and
// caught once, in parse_frame_object, which adds the frame's `ref`.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "wire/ids.hpp"

namespace parley::wire::detail {

struct field_rejection {
  std::string code;
  std::string message;
};

[[noreturn]] void reject(std::string code, std::string message);

// obj[field], or missing_field.
const nlohmann::json& require(const nlohmann::json& obj, const char* field);

// An id as a decimal string, or invalid_field.
id64 id_field(const nlohmann::json& value, const char* field);

// A client id (`id`): a string of 1 to 128 characters or an integer, as
// compact JSON text.
std::string client_id_field(const nlohmann::json& value);

// `value` as the JSON text an error's `ref` echoes: a string of at most 128
// characters or, when `integers`, an integer; "" for anything else.
std::string ref_text(const nlohmann::json& value, bool integers);

} // namespace parley::wire::detail
