#pragma once
// http:// URLs, the only scheme Parley speaks (servers behind a TLS proxy).
#include <optional>
#include <string>

namespace parley::wire {

struct http_url {
  std::string host;
  std::string port = "80";
  std::string target = "/"; // path and query, always starting with '/'
};

// http://HOST[:PORT][/PATH]; nullopt for any other scheme, an empty host,
// a port that is not 1-65535, or characters that cannot appear in a URL.
std::optional<http_url> parse_http_url(const std::string& url);

} // namespace parley::wire
