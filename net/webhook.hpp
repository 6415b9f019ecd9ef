#pragma once
// One HTTP or HTTPS POST of a JSON document with a hard deadline: used by
// the push notifier's senders to reach the push gateway. HTTPS verifies
// the gateway's certificate against the system's trust store (OpenSSL's
// default paths, so $SSL_CERT_FILE is honoured) and its host name. With a
// secret, the POST is signed (wire/http_post.hpp). Blocking (call it only
// from a detached actor); never throws.
#include <chrono>
#include <string>

#include "wire/http_post.hpp"
#include "wire/url.hpp"

namespace parley::net {

wire::post_result post_json(const wire::http_url& url, const std::string& body,
                            std::chrono::milliseconds deadline,
                            const std::string& secret = {});

} // namespace parley::net
