#pragma once
// The deterministic fixture of the actor tests: CAF's test coordinator runs
// every actor of the test on one thread, one message at a time, as the test
// says (`expect`, `run`), over the in-memory store (memory_store.hpp) and
// a stand-in for the directory. No timing, no sockets, no database.
#include <caf/all.hpp>
#include <caf/test/dsl.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/context.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/errors.hpp"
#include "actors/store_messages.hpp"
#include "actors/type_registry.hpp"
#include "memory_store.hpp"
#include "wire/ws_link.hpp"

namespace parley::test {

// The socket's side of a session, in memory: what it was sent.
class recorded_link : public wire::ws_link {
public:
  void send(std::string frame) override {
    frames.push_back(std::move(frame));
  }
  void send_shared(wire::shared_text frame) override {
    frames.push_back(frame.str());
    shared.push_back(std::move(frame));
  }
  void send_all(std::vector<std::string> batch) override {
    for (auto& f : batch)
      frames.push_back(std::move(f));
  }
  // As a real connection, the first close is the one the client sees.
  void close(std::uint16_t code, std::string) override {
    if (closed_with == 0)
      closed_with = code;
  }
  void abort() override {
  }
  void authenticated() override {
    authed = true;
  }
  const std::string& peer() const override {
    return peer_;
  }

  std::vector<std::string> frames;
  std::vector<wire::shared_text> shared; // what was handed over shared
  std::uint16_t closed_with = 0;
  bool authed = false;

private:
  std::string peer_ = "test";
};

struct parley_config : caf::actor_system_config {
  parley_config() {
    register_types(*this);
  }
};

// What a conversation's fan-out reached: the frames, by recipient user.
struct fanout_log_state {
  std::map<id64, std::vector<std::string>> frames;
  static inline const char* name = "fanout_log";
};

struct fixture : test_coordinator_fixture<parley_config> {
  context_ptr ctx;
  caf::actor store;
  std::vector<caf::actor> stop_at_end;

  fixture() {
    auto c = std::make_shared<node_context>();
    c->node_id = 1;
    c->ids = std::make_shared<id_generator>(1);
    ctx = c;
    store = sys.spawn(memory_store);
    stop_at_end.push_back(store);
  }

  // Actors keep timers (idle checks, deadlines) that re-arm themselves, so
  // CAF's run() would never run out of work while they live: the tests run
  // messages only (run_messages), and the actors are stopped at the end.
  ~fixture() override {
    for (auto& actor : stop_at_end)
      anon_send_exit(actor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // Every message queued, and those they cause, without firing any timer.
  void run_messages() {
    sched.run();
  }

  memory_store_state& stored() {
    return deref<memory_store_actor>(store).state;
  }

  // The answer to a request that has been run, or the error it failed with.
  template <class T>
  caf::expected<T> answer(caf::response_handle<caf::blocking_actor,
                                              caf::message, true>& handle) {
    caf::expected<T> result = caf::sec::unexpected_message;
    handle.receive([&](T& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }
};

} // namespace parley::test
