#include "actors/poller.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <deque>
#include <optional>
#include <unordered_map>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/fault_notices.hpp"
#include "actors/conversation_messages.hpp"
#include "actors/store_messages.hpp"
#include "wire/rest_bodies.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/presence_watch.hpp"
#include "wire/credentials.hpp"

namespace parley {

namespace {

using namespace std::chrono;

constexpr std::int32_t batch_messages = 500;   // and about 2 MiB, as a sync page
constexpr std::size_t max_events = 1000;       // receipts, typing, presence waiting
constexpr auto unused_after = seconds(90);     // three maximal polls without one

struct poller_state {
  context_ptr ctx;
  caf::actor directory;
  caf::actor queries;
  caf::actor presence;
  identity me;
  // Watched users (see actors/presence_watch.hpp): their presence frames
  // join the events.
  std::unordered_map<id64, caf::actor> watching;
  std::string epoch; // names this incarnation in every cursor

  std::uint64_t issued = 0; // the last batch handed out
  // Events other than messages, numbered, until a batch holding them is
  // acknowledged.
  std::deque<std::pair<std::uint64_t, std::string>> events;
  std::uint64_t next_event = 1;
  // What the issued batch held: events up to this number, and per
  // conversation the highest message seq.
  std::uint64_t issued_events_upto = 0;
  std::unordered_map<id64, std::int64_t> issued_messages;

  // The poll waiting for something to happen, if any.
  std::optional<caf::response_promise> waiting;
  std::uint64_t wait_token = 0;
  bool reading = false;      // a read of PostgreSQL is under way
  bool woken_while_reading = false;

  steady_clock::time_point last_poll = steady_clock::now();
  static inline const char* name = "poller";
};

using poller_ptr = caf::stateful_actor<poller_state>*;

std::string cursor_text(const poller_state& st) {
  return st.epoch + "." + std::to_string(st.issued);
}

struct cursor {
  std::string epoch;
  std::uint64_t batch = 0;
};

std::optional<cursor> parse_cursor(const std::string& text) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 64)
    return std::nullopt;
  cursor c{text.substr(0, dot), 0};
  auto* first = text.data() + dot + 1;
  auto* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, c.batch);
  if (ec != std::errc{} || end != last || first == last)
    return std::nullopt;
  return c;
}

// --- acknowledging ------------------------------------------------------------------

// Commits `delivered` cursors for what the issued batch held, then calls
// `done(error)`. Through the conversation actors, like a device's receipts,
// so senders hear of it.
template <class Done>
void acknowledge(poller_ptr self, Done done) {
  auto& st = self->state;
  while (!st.events.empty() && st.events.front().first <= st.issued_events_upto)
    st.events.pop_front();
  auto acks = std::move(st.issued_messages);
  st.issued_messages.clear();
  if (acks.empty())
    return done(caf::error{});
  auto left = std::make_shared<std::size_t>(acks.size());
  auto failure = std::make_shared<caf::error>();
  auto one_done = [=](const caf::error& err) mutable {
    if (err)
      *failure = err;
    if (--*left == 0)
      done(*failure);
  };
  for (auto& [conv, seq] : acks) {
    receipt_update update{conv, st.me.user_id, st.me.device_id, false, seq};
    self->request(st.directory, st.ctx->request_timeout, conv_atom::value, conv)
      .then(
        [=](caf::actor& conversation) mutable {
          self->request(conversation, self->state.ctx->request_timeout,
                        receipt_atom::value, update)
            .then([=](bool) mutable { one_done(caf::error{}); },
                  [=](caf::error& err) mutable { one_done(err); });
        },
        [=](caf::error& err) mutable { one_done(err); });
  }
}

// --- answering ---------------------------------------------------------------------

void answer(poller_ptr self, caf::response_promise rp, std::vector<std::string> frames) {
  auto& st = self->state;
  if (!frames.empty())
    ++st.issued;
  rp.deliver(wire::poll_body(cursor_text(st), frames));
}

// Answers `rp` with what is there (messages from PostgreSQL, then queued
// events), or parks it until something arrives or the timeout passes.
void answer_or_wait(poller_ptr self, caf::response_promise rp, milliseconds timeout) {
  auto& st = self->state;
  st.reading = true;
  st.woken_while_reading = false;
  self->request(st.queries, st.ctx->request_timeout, sync_atom::value, st.me.user_id,
                st.me.device_id, id64{0}, std::int64_t{0}, batch_messages)
    .then(
      [=](sync_page& page) mutable {
        auto& st = self->state;
        st.reading = false;
        if (page.frames.empty() && st.events.empty()) {
          if (st.woken_while_reading)
            return answer_or_wait(self, rp, timeout);
          st.waiting = rp;
          auto token = ++st.wait_token;
          self->delayed_send(self, timeout, expire_atom::value, token);
          return;
        }
        st.issued_messages.clear();
        for (std::size_t i = 0; i < page.seqs.size(); ++i) {
          auto& top = st.issued_messages[page.conversations[i]];
          top = std::max(top, page.seqs[i]);
        }
        st.issued_events_upto = st.events.empty() ? 0 : st.events.back().first;
        auto frames = std::move(page.frames);
        for (auto& [number, frame] : st.events)
          frames.push_back(frame);
        answer(self, rp, std::move(frames));
      },
      [=](caf::error& err) mutable {
        self->state.reading = false;
        rp.deliver(err);
      });
}

void wake(poller_ptr self) {
  auto& st = self->state;
  if (st.reading) {
    st.woken_while_reading = true;
    return;
  }
  if (!st.waiting)
    return;
  auto rp = *st.waiting;
  st.waiting.reset();
  ++st.wait_token; // its timeout no longer applies
  answer_or_wait(self, rp, milliseconds(0));
}

caf::response_promise poll(poller_ptr self, const std::string& after,
                           std::int64_t timeout_ms) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  st.last_poll = steady_clock::now();
  bool ack = false;
  if (!after.empty()) {
    auto c = parse_cursor(after);
    if (!c || (c->epoch == st.epoch && c->batch > st.issued)) {
      rp.deliver(make_error(errc::invalid_cursor));
      return rp;
    }
    // A cursor of an earlier incarnation acknowledges nothing: what it
    // covered is returned again (clients de-duplicate by msg_id).
    ack = c->epoch == st.epoch && c->batch == st.issued && st.issued > 0;
  }
  if (st.waiting) { // superseded by this poll: answer it empty
    st.waiting->deliver(wire::poll_body(cursor_text(st), {}));
    st.waiting.reset();
    ++st.wait_token;
  }
  auto timeout = milliseconds(timeout_ms);
  auto proceed = [=](const caf::error& err) mutable {
    if (err)
      return rp.deliver(err); // not acknowledged: the client polls again
    answer_or_wait(self, rp, timeout);
  };
  if (ack)
    acknowledge(self, proceed);
  else
    proceed(caf::error{});
  return rp;
}

// --- presence and lifetime -------------------------------------------------------------

void attach_presence(poller_ptr self) {
  presence_watch::attach(self, [] {});
}

void on_frame(poller_ptr self, const std::string& frame) {
  auto& st = self->state;
  auto doc = nlohmann::json::parse(frame, nullptr, false);
  bool is_message = doc.is_object() && doc.value("type", "") == "message";
  if (!is_message) { // messages are read from PostgreSQL when answering
    st.events.emplace_back(st.next_event++, frame);
    if (st.events.size() > max_events)
      st.events.pop_front();
  }
  wake(self);
}

// POST /v1/presence/(un)subscribe: as the websocket frames, answered once
// every presence actor has been asked (their frames are then queued).
caf::result<bool> watch(poller_ptr self, const std::vector<id64>& users, bool on) {
  auto& st = self->state;
  if (!on) {
    presence_watch::unsubscribe(self, users);
    return true;
  }
  if (!presence_watch::within_limit(st, users))
    return make_error(errc::too_many_subscriptions);
  auto rp = self->make_response_promise<bool>();
  auto failure = std::make_shared<caf::error>();
  presence_watch::subscribe(
    self, users, true,
    [=](const std::string& code, const std::string&) {
      *failure = code == "no_such_user" ? make_error(errc::no_such_user)
                                        : make_error(errc::unavailable);
    },
    [=](bool ok) mutable {
      if (ok)
        rp.deliver(true);
      else
        rp.deliver(*failure ? *failure : make_error(errc::unavailable));
    });
  return rp;
}

void end(poller_ptr self) {
  auto& st = self->state;
  if (st.waiting)
    st.waiting->deliver(wire::poll_body(cursor_text(st), {}));
  if (st.presence)
    self->send(st.presence, offline_atom::value, unix_now_ms());
  for (auto& [user, presence] : st.watching)
    if (presence)
      self->send(presence, unsub_atom::value);
  self->quit();
}

// Ends when the device has not polled for a while: it switched to the
// websocket or went away. The directory forgets it first.
void check_unused(poller_ptr self) {
  auto& st = self->state;
  if (!st.waiting && steady_clock::now() - st.last_poll >= unused_after) {
    self->request(st.directory, st.ctx->request_timeout, retire_atom::value,
                  st.me.device_id)
      .then([=](bool) { end(self); }, [=](caf::error&) { end(self); });
    return;
  }
  self->delayed_send(self, seconds(10), tick_atom::value);
}

caf::behavior poller(poller_ptr self, context_ptr ctx, caf::actor directory,
                     caf::actor queries, identity who) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.directory = std::move(directory);
  st.queries = std::move(queries);
  st.me = who;
  st.epoch = credentials::random_hex(8);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (self->state.presence && dm.source == self->state.presence.address()) {
      self->state.presence = nullptr;
      attach_presence(self);
      wake(self); // what woke it may have died with its presence actor
    }
    presence_watch::rewatch_dead(self, dm.source);
  });
  self->join(fault_notices(self->system()));
  attach_presence(self);
  self->delayed_send(self, seconds(10), tick_atom::value);
  return {
    [=](poll_atom, const std::string& after, std::int64_t timeout_ms) {
      return poll(self, after, timeout_ms);
    },
    [=](deliver_atom, const wire::shared_text& frame) { on_frame(self, frame.str()); },
    // Messages are read from PostgreSQL when answering: a waiting poll reads.
    [=](deliver_atom, const wire::device_frames&, const push_note&) { wake(self); },
    [=](recover_atom) { wake(self); },
    [=](ring_atom) { attach_presence(self); },
    [=](expire_atom, std::uint64_t token) {
      auto& st = self->state;
      if (token != st.wait_token || !st.waiting)
        return;
      st.waiting->deliver(wire::poll_body(cursor_text(st), {}));
      st.waiting.reset();
    },
    [=](subscribe_atom, const std::vector<id64>& users, bool on) {
      return watch(self, users, on);
    },
    [=](resub_atom) { presence_watch::resubscribe_all(self); },
    [=](resub_atom, std::vector<id64>& users) {
      presence_watch::resubscribe(self, std::move(users));
    },
    [=](online_atom) { attach_presence(self); },
    [=](revoke_atom) { end(self); },
    [=](tick_atom) { check_unused(self); },
  };
}

} // namespace

caf::actor spawn_poller(caf::actor_system& sys, context_ptr ctx, caf::actor directory,
                        caf::actor queries, const identity& who) {
  return sys.spawn(poller, std::move(ctx), std::move(directory), std::move(queries), who);
}

} // namespace parley
