#include "actors/notifier.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/push_sender.hpp"
#include "wire/rest_bodies.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace {

using namespace std::chrono;

// One user's notifications about one conversation, throttled together.
struct thread_key {
  id64 user;
  id64 conversation;
  bool operator==(const thread_key& o) const {
    return user == o.user && conversation == o.conversation;
  }
};

struct thread_key_hash {
  std::size_t operator()(const thread_key& k) const {
    return std::hash<id64>{}(k.user) * 31 + std::hash<id64>{}(k.conversation);
  }
};

struct throttle {
  int pending = 0;          // messages waiting for the next notification
  push_note latest;         // the notification names the latest of them
  bool timer_armed = false; // a flush is scheduled
  steady_clock::time_point quiet_until{}; // no notification before this
};

struct notification {
  id64 user = 0;
  push_note note;
  int count = 1;
  int attempt = 0; // failed attempts so far
  std::string body; // a call's, made with its tokens; else made when sent
};

// A call that was pushed, until it stops ringing: its end goes to the same
// tokens.
struct rung_call {
  id64 user = 0;
  std::vector<std::string> tokens;
  std::int64_t expires_ts = 0;
};

struct notifier_state {
  context_ptr ctx;
  caf::actor queries;
  std::unordered_map<thread_key, throttle, thread_key_hash> throttles;
  std::deque<notification> ready;          // waiting for a sender
  std::unordered_map<std::uint64_t, notification> backing_off; // until a retry
  std::uint64_t next_retry_id = 0;
  std::vector<caf::actor> idle_senders;
  std::size_t in_flight = 0;
  std::unordered_map<id64, rung_call> rung; // by call id
  static inline const char* name = "notifier";
};

using notifier_ptr = caf::stateful_actor<notifier_state>*;

wire::metrics& metrics() {
  return wire::metrics::get();
}

std::size_t queued(const notifier_state& st) {
  return st.ready.size() + st.backing_off.size() + st.in_flight;
}

void dispatch(notifier_ptr self);

void enqueue(notifier_ptr self, notification n) {
  auto& st = self->state;
  if (queued(st) >= st.ctx->push_queue_limit) {
    metrics().push_dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("push queue full ({} notifications): dropped one for user {}",
                 st.ctx->push_queue_limit, n.user);
    return;
  }
  st.ready.push_back(n);
  dispatch(self);
}

// --- coalescing ----------------------------------------------------------------

void arm(notifier_ptr self, const thread_key& key, throttle& t, milliseconds after) {
  t.timer_armed = true;
  self->delayed_send(self, after, flush_atom::value, key.user, key.conversation);
}

void on_message(notifier_ptr self, id64 user, const push_note& note) {
  auto& st = self->state;
  thread_key key{user, note.conversation};
  auto& t = st.throttles[key];
  ++t.pending;
  t.latest = note;
  if (t.timer_armed)
    return; // folded into the notification already scheduled
  auto now = steady_clock::now();
  auto wait = std::max(st.ctx->push_delay,
                       duration_cast<milliseconds>(t.quiet_until - now));
  arm(self, key, t, wait);
}

void on_flush(notifier_ptr self, id64 user, id64 conversation) {
  auto& st = self->state;
  thread_key key{user, conversation};
  auto it = st.throttles.find(key);
  if (it == st.throttles.end())
    return;
  auto& t = it->second;
  t.timer_armed = false;
  if (t.pending == 0) { // a window passed with nothing new: forget it
    st.throttles.erase(it);
    return;
  }
  metrics().push_coalesced.fetch_add(t.pending - 1, std::memory_order_relaxed);
  notification n{user, t.latest, t.pending, 0};
  t.pending = 0;
  t.quiet_until = steady_clock::now() + st.ctx->push_window;
  // Comes back at the window's end to forget the throttle if nothing came.
  arm(self, key, t, st.ctx->push_window);
  enqueue(self, n);
}

// --- sending -------------------------------------------------------------------

std::string payload(const notification& n, const std::vector<std::string>& tokens) {
  return wire::push_body(n.user, n.note, n.count, tokens);
}

// A gateway that is down, overloaded or slow (no answer, 5xx, 408, 429)
// may take it later; any other answer is final.
bool worth_retrying(int status) {
  return status == 0 || status >= 500 || status == 408 || status == 429;
}

void failed(notifier_ptr self, notification n, const std::string& why) {
  auto& st = self->state;
  ++n.attempt;
  if (n.attempt >= st.ctx->push_attempts) {
    metrics().push_failed.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("push for user {} given up after {} attempts: {}", n.user, n.attempt, why);
    return;
  }
  metrics().push_retries.fetch_add(1, std::memory_order_relaxed);
  auto delay = st.ctx->push_backoff * (1 << (n.attempt - 1));
  auto id = st.next_retry_id++;
  st.backing_off.emplace(id, n);
  self->delayed_send(self, delay, retry_atom::value, id);
}

void finished(notifier_ptr self, const caf::actor& sender, const notification& n,
              int status, const std::string& error) {
  auto& st = self->state;
  --st.in_flight;
  st.idle_senders.push_back(sender);
  if (status >= 200 && status < 300) {
    metrics().push_sent.fetch_add(1, std::memory_order_relaxed);
  } else if (worth_retrying(status)) {
    failed(self, n, status == 0 ? error : "gateway answered " + std::to_string(status));
  } else {
    metrics().push_failed.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("push gateway refused the notification for user {} (status {}): "
                 "not retried",
                 n.user, status);
  }
  dispatch(self);
}

// Looks up the user's push tokens now (a device may have registered since
// the message), then hands the payload to an idle sender.
void post(notifier_ptr self, caf::actor sender, notification n, std::string body) {
  auto deadline = self->state.ctx->push_timeout * 2 + seconds(1);
  self->request(sender, deadline, push_atom::value, std::move(body))
    .then([=](int status, const std::string& error) {
            finished(self, sender, n, status, error);
          },
          [=](caf::error& err) { finished(self, sender, n, 0, "sender: " + describe(err)); });
}

void send_one(notifier_ptr self, caf::actor sender, notification n) {
  auto& st = self->state;
  ++st.in_flight;
  if (!n.body.empty())
    return post(self, sender, n, n.body);
  self->request(st.queries, st.ctx->request_timeout, push_token_atom::value, n.user)
    .then(
      [=](const std::vector<std::string>& tokens) { post(self, sender, n, payload(n, tokens)); },
      [=](caf::error& err) {
        finished(self, sender, n, 0, "push tokens: " + describe(err));
      });
}

void dispatch(notifier_ptr self) {
  auto& st = self->state;
  while (!st.ready.empty() && !st.idle_senders.empty()) {
    auto sender = st.idle_senders.back();
    st.idle_senders.pop_back();
    auto n = st.ready.front();
    st.ready.pop_front();
    send_one(self, sender, n);
  }
}

// --- calls: at once, no coalescing (../shared/CALLS.md, "Push") ---------------

// Rings the phones of `call.user`'s logged-in devices that have no open
// websocket (`online` are those that do), if there are any.
void on_call(notifier_ptr self, const wire::call_push& call, const std::vector<id64>& online) {
  auto& st = self->state;
  auto now = unix_now_ms();
  for (auto it = st.rung.begin(); it != st.rung.end();) // ends that never came
    it = it->second.expires_ts < now - 60'000 ? st.rung.erase(it) : std::next(it);
  self->request(st.queries, st.ctx->request_timeout, push_token_atom::value, call_atom::value,
                call.user)
    .then(
      [=](const std::vector<id64>& devices, const std::vector<std::string>& tokens) {
        std::vector<std::string> offline_tokens;
        bool offline = false;
        for (std::size_t i = 0; i < devices.size(); ++i) {
          if (std::find(online.begin(), online.end(), devices[i]) != online.end())
            continue;
          offline = true;
          if (!tokens[i].empty())
            offline_tokens.push_back(tokens[i]);
        }
        if (!offline)
          return;
        self->state.rung[call.call_id] = {call.user, offline_tokens, call.expires_ts};
        notification n{call.user, {}, 1, 0, wire::call_push_body(call, offline_tokens)};
        enqueue(self, std::move(n));
      },
      [=](caf::error& err) {
        spdlog::warn("call push for user {}: no devices ({})", call.user, describe(err));
      });
}

void on_call_ended(notifier_ptr self, id64 call_id, const std::string& reason) {
  auto& st = self->state;
  auto it = st.rung.find(call_id);
  if (it == st.rung.end())
    return; // never pushed
  auto user = it->second.user;
  auto body = wire::call_ended_push_body(user, call_id, reason, unix_now_ms(), it->second.tokens);
  st.rung.erase(it);
  enqueue(self, notification{user, {}, 1, 0, std::move(body)});
}

caf::behavior notifier(notifier_ptr self, context_ptr ctx, caf::actor queries,
                       wire::json_poster post) {
  auto& st = self->state;
  st.ctx = ctx;
  st.queries = std::move(queries);
  for (std::size_t i = 0; i < std::max<std::size_t>(ctx->push_senders, 1); ++i) {
    auto sender = spawn_push_sender(self->system(), ctx, post);
    self->link_to(sender); // they stop with the notifier
    st.idle_senders.push_back(sender);
  }
  return {
    [=](push_atom, id64 user, const push_note& note) { on_message(self, user, note); },
    [=](push_atom, call_atom, const wire::call_push& call, const std::vector<id64>& online) {
      on_call(self, call, online);
    },
    [=](push_atom, call_atom, id64 call_id, const std::string& reason) {
      on_call_ended(self, call_id, reason);
    },
    [=](flush_atom, id64 user, id64 conversation) { on_flush(self, user, conversation); },
    [=](retry_atom, std::uint64_t id) {
      auto& st = self->state;
      auto it = st.backing_off.find(id);
      if (it == st.backing_off.end())
        return;
      st.ready.push_back(it->second);
      st.backing_off.erase(it);
      dispatch(self);
    },
  };
}

} // namespace

caf::actor spawn_notifier(caf::actor_system& sys, context_ptr ctx, caf::actor queries,
                          wire::json_poster post) {
  return sys.spawn(notifier, std::move(ctx), std::move(queries), std::move(post));
}

} // namespace parley
