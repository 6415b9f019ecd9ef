#include "wire/turn.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace parley::wire {

std::string turn_credential(const std::string& secret, const std::string& username) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(username.data()), username.size(), mac.data(),
       &len);
  std::string out(4 * ((len + 2) / 3), '\0');
  auto written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac.data(),
                                 static_cast<int>(len));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string turn_username(std::int64_t now_s, std::int64_t ttl_s, id64 user) {
  return std::to_string(now_s + ttl_s) + ":" + id_to_string(user);
}

std::string turn_body(const turn_settings& turn, id64 user, std::int64_t now_s) {
  auto username = turn_username(now_s, turn.ttl_s, user);
  nlohmann::json body{{"urls", turn.urls},
                      {"username", username},
                      {"credential", turn_credential(turn.secret, username)},
                      {"ttl", turn.ttl_s}};
  return body.dump();
}

std::string turn_url_fault(const std::string& url) {
  for (const char* scheme : {"turn:", "turns:", "stun:"}) {
    std::string_view s{scheme};
    if (url.compare(0, s.size(), s) != 0)
      continue;
    if (url.size() == s.size() || url[s.size()] == '?' || url[s.size()] == ':')
      return "a TURN URL needs a host after '" + std::string{s} + "'";
    if (url.find_first_of(" \t\r\n\"") != std::string::npos)
      return "a TURN URL must not contain spaces or quotes";
    return {};
  }
  return "a TURN URL must start with turn:, turns: or stun:";
}

} // namespace parley::wire
