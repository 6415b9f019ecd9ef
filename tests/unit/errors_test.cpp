#include <catch2/catch.hpp>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include "actors/errors.hpp"

using namespace parley;

TEST_CASE("one table gives an error's wire code, HTTP status and message", "[errors]") {
  auto& e = info(make_error(errc::no_such_user));
  CHECK(e.code == "no_such_user");
  CHECK(e.http_status == 404);
  CHECK(e.message == "no such user");
  CHECK(info(make_error(errc::quota_exceeded)).http_status == 413);
  CHECK(info(make_error(errc::blocked)).http_status == 403);
  CHECK(info(make_error(errc::username_taken)).http_status == 409);
  CHECK(info(make_error(errc::unauthorized)).http_status == 401);
  CHECK(info(make_error(errc::internal)).http_status == 500);
  CHECK(wire_code(make_error(errc::duplicate_node)) == "duplicate_node_id");
}

TEST_CASE("retryable errors share the wire code unavailable", "[errors]") {
  for (auto code : {errc::unavailable, errc::seq_conflict, errc::not_owner}) {
    CHECK(info(make_error(code)).code == "unavailable");
    CHECK(info(make_error(code)).http_status == 503);
  }
  // CAF's own failures: a timeout, a dead actor.
  auto timeout = caf::make_error(caf::sec::request_timeout);
  CHECK(wire_code(timeout) == "unavailable");
  CHECK(info(timeout).http_status == 503);
  CHECK(describe(timeout) == "the service is temporarily unavailable, retry");
}

TEST_CASE("every errc has its own row", "[errors]") {
  for (int i = 1; i <= static_cast<int>(errc::too_many_groups); ++i) {
    auto& e = info(static_cast<errc>(i));
    CHECK(static_cast<int>(e.id) == i);
    CHECK_FALSE(e.code.empty());
    CHECK_FALSE(e.message.empty());
    CHECK(e.http_status >= 400);
  }
}

TEST_CASE("logs name Parley's errors", "[errors]") {
  caf::actor_system_config cfg;
  register_error_renderer(cfg);
  auto err = make_error(errc::seq_conflict);
  auto& render = cfg.error_renderers.at(err.category());
  CHECK(render(err.code(), err.category(), caf::message{}) == "parley.seq_conflict");
}
