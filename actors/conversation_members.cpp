// A group's membership changes, one at a time in arrival order; sends
// wait behind a change so that nobody sends as a member after the seq that
// removed them (the rules: actors/group_rules.hpp).
#include "actors/conversation_state.hpp"

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/errors.hpp"
#include "wire/json_out.hpp"

namespace parley::conv {

namespace {

// Checks `change` against the current members (actors/group_rules.hpp); on
// success fills `record` with the change and its system message.
caf::error plan_change(conversation_state& st, const membership_change& change,
                       std::int64_t& prev_ts,
                       membership_record& record) {
  auto planned = plan_change(st.info, change, st.ctx->max_group_size);
  if (auto* refused = std::get_if<errc>(&planned))
    return make_error(*refused);
  auto& plan = std::get<membership_plan>(planned);
  record.added = std::move(plan.added);
  record.removed = std::move(plan.removed);
  record.new_admins = std::move(plan.new_admins);
  auto id = st.ctx->ids->next();
  auto at = next_stamp(st);
  prev_ts = at.prev_ts;
  record.message = {{id, st.id, at.seq, change.by, 0, at.ts,
                     wire::shared_text{wire::system_body(plan.event, change.by, change.users,
                                                         {}, record.new_admins)},
                     true, true, {}},
                    "sys:" + std::to_string(id), false, {}, {}};
  return {};
}

void finish_change(conv_ptr self) {
  self->state.changing_members = false;
  release_held(self);
}

void run_change(conv_ptr self, membership_change change, caf::response_promise rp,
                int attempt) {
  auto& st = self->state;
  if (!st.loaded) {
    after_load(
      self, [=] { run_change(self, change, rp, attempt); },
      [=](const caf::error& err) mutable {
        rp.deliver(err);
        finish_change(self);
      });
    return;
  }
  membership_record record;
  std::int64_t prev_ts = 0;
  if (auto err = plan_change(st, change, prev_ts, record)) {
    rp.deliver(err);
    return finish_change(self);
  }
  ++st.in_flight;
  self->request(st.store, st.ctx->store_timeout, members_atom::value, record)
    .then(
      [=](persist_result&) mutable {
        auto& st = self->state;
        --st.in_flight;
        apply_change(st.info.members, record);
        forget_devices(self); // a new member's devices are required from now on
        auto& m = record.message.msg;
        st.recent.remember(m.seq, m.from);
        // The removed see their removal (the last message they get), and
        // everyone's contacts changed.
        auto affected = member_ids(st.info.members);
        affected.insert(affected.end(), record.removed.begin(), record.removed.end());
        fan_out_to(self, m, affected, prev_ts);
        self->send(st.directory, contacts_atom::value, std::move(affected));
        rp.deliver(ack_info{m.msg_id, m.conversation, m.seq, m.ts});
        finish_change(self);
      },
      [=](caf::error& err) mutable {
        auto& st = self->state;
        --st.in_flight;
        if (err == caf::sec::request_receiver_down)
          return on_store_lost(self, err);
        if (err == make_error(errc::seq_conflict) && attempt + 1 < max_attempts) {
          st.loaded = false; // another owner wrote: reload, check again
          return run_change(self, change, rp, attempt + 1);
        }
        rp.deliver(err);
        finish_change(self);
      });
}

} // namespace

// Membership changes run one at a time, in arrival order.
void change_members(conv_ptr self, membership_change change, caf::response_promise rp) {
  auto& st = self->state;
  if (st.changing_members) {
    st.after_change.push_back([=] { change_members(self, change, rp); });
    return;
  }
  st.changing_members = true;
  run_change(self, std::move(change), std::move(rp), 0);
}

} // namespace parley::conv
