#pragma once
// Which address a request comes from, for per-address limits. Behind a
// reverse proxy every request arrives from the proxy; the proxy appends
// the client's address to X-Forwarded-For. That header is believed only
// from the proxies named with --trusted-proxy, and only its last entry
// (the one the trusted proxy wrote): earlier entries are the client's own
// words.
#include <string>
#include <string_view>
#include <vector>

namespace parley::wire {

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

} // namespace parley::wire
