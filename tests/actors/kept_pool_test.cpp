#define CAF_SUITE kept_pool
#include "fixture.hpp"

#include "actors/kept_pool.hpp"

using namespace parley;
using namespace parley::test;

namespace {

caf::behavior echo_worker(caf::event_based_actor*) {
  return {[](ping_atom, int x) { return x; }};
}

struct pool_fixture : fixture {
  int made = 0;
  caf::actor pool;

  pool_fixture() {
    pool = spawn_kept_pool(sys, 2, [this] {
      ++made;
      return sys.spawn(echo_worker);
    });
    stop_at_end.push_back(pool);
    run_messages();
  }

  std::vector<caf::actor> workers() {
    std::vector<caf::actor> out;
    self->request(pool, caf::infinite, caf::sys_atom::value, caf::get_atom::value)
      .receive([&](std::vector<caf::actor>& ws) { out = std::move(ws); },
               [](caf::error&) {});
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(kept_pool_tests, pool_fixture)

CAF_TEST(a pooled worker that dies is replaced and the pool keeps answering) {
  CAF_REQUIRE_EQUAL(workers().size(), 2u);
  CAF_CHECK_EQUAL(made, 2);
  self->send_exit(workers().front(), caf::exit_reason::kill);
  run_messages();
  CAF_CHECK_EQUAL(made, 3);
  CAF_CHECK_EQUAL(workers().size(), 2u);
  for (int i = 0; i < 4; ++i) {
    self->send(pool, ping_atom::value, i);
    run_messages();
    expect((int), from(_).to(self).with(i));
  }
}

CAF_TEST(stopping the pool stops its workers without replacing them) {
  auto before = workers();
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  run_messages();
  CAF_CHECK_EQUAL(made, 2);
}

CAF_TEST_FIXTURE_SCOPE_END()
