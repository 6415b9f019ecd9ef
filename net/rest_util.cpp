#include "net/rest_util.hpp"

#include <caf/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "actors/errors.hpp"
#include "wire/json_depth.hpp"

namespace parley::net {

http_response json_response(int status, std::string body) {
  return make_response(status, "application/json", std::move(body));
}

http_response failure_response(const caf::error& err) {
  auto& e = info(err);
  return error_response(e.http_status, e.code, describe(err), details_of(err));
}

http_response retry_after_response(const char* code, const std::string& what,
                                   std::int64_t wait_ms) {
  auto seconds = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
  auto r = error_response(429, code, what + ": retry in " + std::to_string(seconds) + " s");
  r.headers.push_back({"Retry-After", std::to_string(seconds)});
  return r;
}

target split_target(const std::string& raw) {
  target t;
  auto qpos = raw.find('?');
  auto path = raw.substr(0, qpos);
  if (qpos != std::string::npos)
    t.query = raw.substr(qpos + 1);
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    if (end > start)
      t.segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return t;
}

std::optional<std::string> query_param(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = query.find('&', pos);
    if (end == std::string::npos)
      end = query.size();
    auto pair = query.substr(pos, end - pos);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return eq == std::string::npos ? "" : pair.substr(eq + 1);
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::int64_t> to_int(const std::string& s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::optional<json> json_object(const std::string& body, const responder& respond) {
  if (wire::json_nesting_exceeds(body)) {
    respond(error_response(400, "too_deep", "request body nests deeper than 32 levels"));
    return std::nullopt;
  }
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    respond(error_response(400, "invalid_json", "request body is not valid JSON"));
    return std::nullopt;
  }
  if (!doc.is_object()) {
    respond(error_response(400, "invalid_json", "request body must be a JSON object"));
    return std::nullopt;
  }
  return doc;
}

// The ids of an array field of id strings, or the error response to send.
// Duplicates are refused: they are almost always a client bug.
std::variant<std::vector<id64>, http_response> id_array_field(const json& doc,
                                                              const char* name) {
  auto it = doc.find(name);
  if (it == doc.end())
    return error_response(400, "missing_field", std::string{"field '"} + name
                                                  + "' is required");
  if (!it->is_array())
    return error_response(400, "invalid_field", std::string{"field '"} + name
                                                  + "' must be an array of user ids");
  std::vector<id64> ids;
  for (auto& v : *it) {
    auto id = v.is_string() ? parse_id(v.get<std::string>()) : std::nullopt;
    if (!id)
      return error_response(400, "invalid_field",
                            std::string{"'"} + name
                              + "' must hold user ids as decimal strings");
    if (std::find(ids.begin(), ids.end(), *id) != ids.end())
      return error_response(400, "duplicate_member",
                            "user " + id_to_string(*id) + " is listed twice");
    ids.push_back(*id);
  }
  return ids;
}

// A string field, or nullopt (absent or of another type).
std::optional<std::string> string_field(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string())
    return std::nullopt;
  return it->get<std::string>();
}

// The token of an `Authorization: Bearer <token>` header (the scheme is
// case-insensitive), or "".
std::string bearer_token(const http_request& req) {
  static constexpr std::string_view scheme = "bearer ";
  auto& h = req.authorization;
  if (h.size() <= scheme.size())
    return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i])
      return {};
  auto token = h.substr(scheme.size());
  auto first = token.find_first_not_of(' ');
  return first == std::string::npos ? std::string{} : token.substr(first);
}

bool printable_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

} // namespace parley::net
