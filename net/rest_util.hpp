#pragma once
// What every REST handler uses to read a request and write an answer:
// targets and query strings, JSON bodies and fields, error answers (the
// status of an actor's error comes from the one table, actors/errors.cpp).
#include <caf/fwd.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "net/http_types.hpp"
#include "wire/ids.hpp"

namespace parley::net {

using json = nlohmann::json;

// Splits "/a/b?x=1" into path segments and a query string.
struct target {
  std::vector<std::string> segments;
  std::string query;
};

http_response json_response(int status, std::string body);

http_response failure_response(const caf::error& err);

// 429 `code` with Retry-After: whole seconds, at least 1.
http_response retry_after_response(const char* code, const std::string& what,
                                   std::int64_t wait_ms);

target split_target(const std::string& raw);

std::optional<std::string> query_param(const std::string& query, const std::string& name);

std::optional<std::int64_t> to_int(const std::string& s);

// The JSON object in a request body, parsed once after a depth check
// (deeper than 32 levels: 400 `too_deep`); nullopt once `respond` has
// been given the error.
std::optional<json> json_object(const std::string& body, const responder& respond);

// The ids of an array field of id strings, or the error response to send.
// Duplicates are refused: they are almost always a client bug.
std::variant<std::vector<id64>, http_response> id_array_field(const json& doc,
                                                              const char* name);

// A string field, or nullopt (absent or of another type).
std::optional<std::string> string_field(const json& doc, const char* name);

// The token of an `Authorization: Bearer <token>` header (the scheme is
// case-insensitive), or "".
std::string bearer_token(const http_request& req);

// Only characters 0x20..0x7e (tokens, content types).
bool printable_ascii(const std::string& text);

} // namespace parley::net
