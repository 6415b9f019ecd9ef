#include "net/http_types.hpp"

#include "wire/json_out.hpp"

namespace parley::net {

http_response make_response(int status, std::string content_type, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

http_response error_response(int status, std::string_view code, std::string_view message,
                             std::string_view details) {
  return make_response(status, "application/json", wire::error_body(code, message, details));
}

} // namespace parley::net
