#include "wire/client_address.hpp"

#include <algorithm>

namespace parley::wire {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  bool trusted = std::find(trusted_proxies.begin(), trusted_proxies.end(), peer)
                 != trusted_proxies.end();
  if (!trusted || forwarded_for.empty())
    return std::string{peer};
  auto comma = forwarded_for.rfind(',');
  auto last = trim(comma == std::string_view::npos ? forwarded_for
                                                   : forwarded_for.substr(comma + 1));
  if (last.empty() || last.size() > 64)
    return std::string{peer};
  return std::string{last};
}

} // namespace parley::wire
