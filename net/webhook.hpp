#pragma once
// One HTTP POST of a JSON document with a hard deadline: used by the push
// notifier's senders to reach the push gateway. Blocking (call it only from
// a detached actor); never throws.
#include <chrono>
#include <string>

#include "net/url.hpp"

namespace parley::net {

struct post_result {
  int status = 0;    // the HTTP status, 0 when no answer came
  std::string error; // why no answer came (refused, timed out, ...)
};

post_result post_json(const http_url& url, const std::string& body,
                      std::chrono::milliseconds deadline);

} // namespace parley::net
