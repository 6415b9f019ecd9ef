#pragma once
// What the REST layer sees of HTTP: plain structs, no Beast, no CAF.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::net {

// A request body streamed to a temporary file (media uploads), with its
// SHA-256 computed on the way. The REST handler moves or deletes the file.
struct uploaded_file {
  std::string path;
  std::uint64_t size = 0;
  std::string sha256; // hex
};

struct http_request {
  std::string method;
  std::string target; // path and query
  std::string authorization;
  std::string content_type;
  std::string range;
  std::string if_none_match;
  // Where it came from: the peer's address, or the X-Forwarded-For entry
  // of a trusted proxy (wire/client_address.hpp).
  std::string source;
  std::string body;
  std::optional<uploaded_file> upload;
  // An upload's reservation of its owner's quota (net/rest_media.cpp):
  // given back when the last copy of this handle is dropped.
  std::shared_ptr<void> upload_ticket;
  std::int64_t declared_length = -1; // Content-Length; -1: chunked
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set to answer with (part of) a file instead of `body`, streamed from
  // disk in pieces.
  std::string file_path;
  std::uint64_t file_offset = 0;
  std::uint64_t file_length = 0;
  bool head_only = false; // HEAD: the headers of the answer, no body
};

http_response make_response(int status, std::string content_type, std::string body);
// {"code","message"} with `status`.
http_response error_response(int status, std::string_view code, std::string_view message,
                             std::string_view details = {});

using responder = std::function<void(http_response)>;
using rest_handler = std::function<void(http_request, responder)>;

// What the REST layer says of an upload before its body is read: a
// refusal (401, 413, 429), or how many bytes it may send and the
// reservation they were counted against.
struct upload_admission {
  std::optional<http_response> refusal;
  std::uint64_t max_bytes = 0;
  std::shared_ptr<void> ticket;
};
using upload_gate =
  std::function<void(const http_request& head, std::function<void(upload_admission)>)>;

// The REST API's two entry points.
struct rest_endpoints {
  rest_handler handle;
  upload_gate admit_upload;
};

} // namespace parley::net
