#pragma once
// GET /metrics and nothing else, for a listener of its own
// (--metrics-listen): the Prometheus scraper's port, kept off the port that
// clients reach.
#include "net/http_types.hpp"

namespace parley::net {

rest_endpoints metrics_only_api();

} // namespace parley::net
