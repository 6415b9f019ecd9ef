#pragma once
// One HTTP POST of a JSON document with a hard deadline: used by the push
// notifier's senders to reach the push gateway. Blocking (call it only from
// a detached actor); never throws.
#include <chrono>
#include <string>

#include "wire/http_post.hpp"
#include "wire/url.hpp"

namespace parley::net {

wire::post_result post_json(const wire::http_url& url, const std::string& body,
                      std::chrono::milliseconds deadline);

} // namespace parley::net
