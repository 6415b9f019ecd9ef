// The checks an upgrade request to /v1/ws must pass before a websocket is
// opened (RFC 6455, section 4.2.1).
#include "net/ws_connection.hpp"

#include "wire/ws_framing.hpp"

namespace parley::net {

namespace http = boost::beast::http;

std::optional<http_response> refuse_handshake(
  const http::request<http::empty_body>& req) {
  if (req[http::field::host].empty())
    return error_response(400, "bad_handshake", "the Host header is missing");
  auto version = req[http::field::sec_websocket_version];
  if (version.empty())
    return error_response(400, "bad_handshake", "Sec-WebSocket-Version is missing");
  if (version != "13") {
    auto refusal = error_response(426, "unsupported_version",
                                  "only websocket version 13 is spoken here");
    refusal.headers.emplace_back("Sec-WebSocket-Version", "13");
    return refusal;
  }
  auto key = req[http::field::sec_websocket_key];
  if (key.empty())
    return error_response(400, "bad_handshake", "Sec-WebSocket-Key is missing");
  if (!wire::valid_websocket_key(std::string_view(key.data(), key.size())))
    return error_response(400, "bad_handshake",
                          "Sec-WebSocket-Key is not 16 bytes in base64");
  return std::nullopt;
}

} // namespace parley::net
