#include "wire/url.hpp"

#include <algorithm>

namespace parley::wire {

namespace {

bool printable_without_spaces(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

bool valid_port(const std::string& port) {
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto n = std::stoul(port);
  return n >= 1 && n <= 65535;
}

} // namespace

std::optional<http_url> parse_http_url(const std::string& url) {
  static const std::string plain = "http://", secure = "https://";
  http_url out;
  out.tls = url.compare(0, secure.size(), secure) == 0;
  auto& scheme = out.tls ? secure : plain;
  if (url.compare(0, scheme.size(), scheme) != 0 || !printable_without_spaces(url))
    return std::nullopt;
  if (out.tls)
    out.port = "443";
  auto rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    out.target = rest.substr(slash);
    rest.resize(slash);
  }
  if (rest.find('@') != std::string::npos) // no credentials in URLs
    return std::nullopt;
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    out.port = rest.substr(colon + 1);
    rest.resize(colon);
    if (!valid_port(out.port))
      return std::nullopt;
  }
  if (rest.empty())
    return std::nullopt;
  out.host = rest;
  return out;
}

} // namespace parley::wire
