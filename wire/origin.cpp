#include "wire/origin.hpp"

#include <algorithm>
#include <cctype>

namespace parley::wire {

namespace {

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

} // namespace

bool origin_allowed(const origin_policy& policy, std::string_view origin,
                    std::string_view host) {
  if (origin.empty())
    return true;
  std::string_view scheme = policy.tls ? "https://" : "http://";
  if (!host.empty() && origin.size() == scheme.size() + host.size()
      && same_text(origin.substr(0, scheme.size()), scheme)
      && same_text(origin.substr(scheme.size()), host))
    return true;
  return std::any_of(policy.allowed.begin(), policy.allowed.end(),
                     [&](const std::string& allowed) { return same_text(allowed, origin); });
}

bool changes_state(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

} // namespace parley::wire
