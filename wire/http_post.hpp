#pragma once
// A blocking POST of a JSON document under one deadline, as the push
// notifier's senders see it. The network layer provides it
// (net/webhook.hpp); actors receive it as a value, so they never depend on
// the HTTP client above them.
#include <chrono>
#include <functional>
#include <string>

#include "wire/url.hpp"

namespace parley::wire {

// Each POST carries `X-Parley-Signature: sha256=HEX(HMAC-SHA256(secret,
// body))` when the node has a push secret, so the gateway can tell Parley's
// requests from anyone else's.
struct post_result {
  int status = 0;    // the HTTP status, 0 when no answer came
  std::string error; // why no answer came (refused, timed out, ...)
};

using json_poster = std::function<post_result(const http_url& url, const std::string& body,
                                              std::chrono::milliseconds deadline)>;

} // namespace parley::wire
