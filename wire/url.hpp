#pragma once
// http:// and https:// URLs (the push gateway).
#include <optional>
#include <string>

namespace parley::wire {

struct http_url {
  bool tls = false; // https://
  std::string host;
  std::string port = "80";
  std::string target = "/"; // path and query, always starting with '/'
};

// http(s)://HOST[:PORT][/PATH] (port 80 or 443 by default); nullopt for
// any other scheme, credentials in the URL, an empty host,
// a port that is not 1-65535, or characters that cannot appear in a URL.
std::optional<http_url> parse_http_url(const std::string& url);

} // namespace parley::wire
