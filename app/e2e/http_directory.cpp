#include "app/e2e/http_directory.hpp"

#include <nlohmann/json.hpp>

namespace parley::e2e_client {

using nlohmann::json;

json http_directory::call(const std::string& method, const std::string& target,
                          const std::string& body) {
  auto r = client::http_call(server_, method, target, body, token_);
  auto answer = json::parse(r.body, nullptr, false);
  if (r.status == 200 && !answer.is_discarded())
    return answer;
  if (!answer.is_discarded() && answer.is_object() && answer.contains("code"))
    throw directory_error(answer.value("code", ""), answer.value("message", ""));
  throw directory_error("bad_answer", method + " " + target + ": HTTP status "
                                        + std::to_string(r.status));
}

std::vector<fetched_bundle> http_directory::bundles(id64 user, const std::vector<id64>& only) {
  auto target = "/v1/keys/" + std::to_string(user);
  if (!only.empty()) {
    target += "?devices=";
    for (std::size_t i = 0; i < only.size(); ++i)
      target += (i ? "," : "") + std::to_string(only[i]);
  }
  return parse_bundles(call("GET", target));
}

std::vector<listed_device> http_directory::devices(id64 user) {
  return parse_listing(call("GET", "/v1/users/" + std::to_string(user) + "/devices"));
}

key_status http_directory::status() {
  return parse_key_status(call("GET", "/v1/keys"));
}

std::size_t http_directory::publish(const std::string& body) {
  auto answer = call("PUT", "/v1/keys", body);
  if (!answer.contains("one_time_prekeys") || !answer["one_time_prekeys"].is_number_unsigned())
    throw directory_error("bad_answer", "PUT /v1/keys: no one_time_prekeys count");
  return answer["one_time_prekeys"].get<std::size_t>();
}

std::vector<id64> http_directory::members(const std::string& conversation) {
  auto answer = call("GET", "/v1/conversations/" + conversation);
  std::vector<id64> out;
  if (answer.contains("members") && answer["members"].is_array())
    for (auto& m : answer["members"])
      if (m.is_string())
        if (auto id = parse_id(m.get<std::string>()))
          out.push_back(*id);
  if (out.empty())
    throw directory_error("bad_answer", "the conversation lists no members");
  return out;
}

} // namespace parley::e2e_client
