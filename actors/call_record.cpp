#include "actors/call_record.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/call_machine.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/errors.hpp"
#include "wire/call_frames.hpp"
#include "wire/metrics.hpp"

namespace parley {

void write_call_record(caf::event_based_actor* self, const caf::actor& directory,
                       std::chrono::milliseconds timeout, const call_summary& call,
                       const std::string& result, std::int64_t duration_ms, record_done done) {
  outgoing_message record;
  record.sender = call.caller;
  record.sender_device = 0;
  record.client_id = "call:" + id_to_string(call.call_id);
  record.body = wire::shared_text{
    wire::call_record_body(call.call_id, call.video, result, call.started_ts, duration_ms)};
  record.system = true;
  auto fail = [done](caf::error& err) { done(err, false); };
  self->request(directory, timeout, direct_atom::value, call.caller, call.callee)
    .then(
      [=](id64 conv) mutable {
        record.conversation = conv;
        self->request(directory, timeout, conv_atom::value, conv)
          .then(
            [=](caf::actor& actor) {
              self->request(actor, timeout, send_atom::value, record)
                .then([=](const ack_info& ack) { done(caf::error{}, !ack.duplicate); }, fail);
            },
            fail);
      },
      fail);
}

namespace {

caf::behavior recorder(caf::event_based_actor* self, caf::actor directory,
                       std::chrono::milliseconds timeout, call_summary call, std::string result,
                       std::int64_t duration_ms, bool late) {
  // A node shutting down takes its unwritten records with it (logged):
  // waiting for the database would hold the shutdown up.
  self->monitor(directory);
  self->set_down_handler([=](caf::down_msg&) {
    spdlog::error("call {}: record not stored before shutdown", call.call_id);
    self->quit();
  });
  auto attempt = [=] {
    write_call_record(self, directory, timeout, call, result, duration_ms,
                      [=](const caf::error& err, bool fresh) {
                        if (err) {
                          spdlog::warn("call {}: record not stored yet ({}), retrying",
                                       call.call_id, self->system().render(err));
                          self->delayed_send(self, std::chrono::seconds(2), retry_atom::value);
                          return;
                        }
                        // A late record is this call's own: an earlier attempt
                        // that timed out may have committed it after all.
                        if (fresh || late)
                          wire::metrics::get().call_recorded(result);
                        if (late) {
                          wire::metrics::get().call_records_late.fetch_add(1);
                          spdlog::info("call {}: record committed after the call ended",
                                       call.call_id);
                        }
                        self->quit();
                      });
  };
  self->send(self, retry_atom::value);
  return {[=](retry_atom) { attempt(); }};
}

} // namespace

void spawn_call_recorder(caf::actor_system& sys, caf::actor directory,
                         std::chrono::milliseconds timeout, call_summary call,
                         std::string result, std::int64_t duration_ms, bool late) {
  sys.spawn(recorder, std::move(directory), timeout, std::move(call), std::move(result),
            duration_ms, late);
}

void record_failed_call(caf::actor_system& sys, caf::actor directory,
                        std::chrono::milliseconds timeout, const call_summary& call,
                        std::int64_t now_ms) {
  auto record = calls::failed_call(call.answered_ts, now_ms);
  spawn_call_recorder(sys, std::move(directory), timeout, call, to_string(record.res),
                      record.duration_ms, false);
}

} // namespace parley
