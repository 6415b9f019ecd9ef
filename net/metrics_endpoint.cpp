#include "net/metrics_endpoint.hpp"

#include "wire/metrics.hpp"

namespace parley::net {

rest_endpoints metrics_only_api() {
  return {[](http_request req, responder respond) {
            auto path = req.target.substr(0, req.target.find('?'));
            if (path != "/metrics")
              return respond(error_response(404, "not_found", "only /metrics is served here"));
            if (req.method != "GET")
              return respond(error_response(405, "method_not_allowed", "use GET"));
            respond(make_response(200, "text/plain; version=0.0.4",
                                  wire::metrics::get().render()));
          },
          [](const http_request&, std::function<void(upload_admission)> reply) {
            upload_admission no;
            no.refusal = error_response(404, "not_found", "only /metrics is served here");
            reply(std::move(no));
          }};
}

} // namespace parley::net
