#pragma once
// How the wire layer's types cross nodes inside CAF messages: `inspect`
// overloads, kept here so that wire/ knows nothing of CAF.
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <string>
#include <utility>
#include <vector>

#include "wire/envelopes.hpp"
#include "wire/records.hpp"
#include "wire/rest_bodies.hpp"
#include "wire/shared_text.hpp"
#include "wire/stored_message.hpp"

namespace parley::wire {

// Crosses nodes as its text; within a node a copy shares the bytes.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shared_text& x) {
  std::string text = Inspector::reads_state ? x.str() : std::string{};
  return f(text, caf::meta::load_callback([&]() -> caf::error {
             x = shared_text{std::move(text)};
             return caf::none;
           }));
}

// Both cross nodes as their parts; within a node copies share them.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shared_envelopes& x) {
  bool present = false;
  std::vector<id64> devices;
  std::vector<std::string> envelopes;
  if (Inspector::reads_state) {
    present = x.present();
    for (auto& [device, envelope] : x.get()) {
      devices.push_back(device);
      envelopes.push_back(envelope);
    }
  }
  return f(present, devices, envelopes, caf::meta::load_callback([&]() -> caf::error {
             if (!present || devices.size() != envelopes.size()) {
               x = shared_envelopes{};
               return caf::none;
             }
             device_envelopes loaded;
             for (std::size_t i = 0; i < devices.size(); ++i)
               loaded.emplace_back(devices[i], std::move(envelopes[i]));
             x = shared_envelopes{std::move(loaded)};
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_frames& x) {
  shared_text shared;
  std::vector<id64> devices;
  std::vector<shared_text> frames;
  if (Inspector::reads_state) {
    shared = x.shared();
    for (auto& [device, frame] : x.own()) {
      devices.push_back(device);
      frames.push_back(frame);
    }
  }
  return f(shared, devices, frames, caf::meta::load_callback([&]() -> caf::error {
             device_frames::own_frames own;
             for (std::size_t i = 0; i < devices.size() && i < frames.size(); ++i)
               own.emplace_back(devices[i], std::move(frames[i]));
             x = device_frames{std::move(shared), std::move(own)};
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_message& x) {
  return f(caf::meta::type_name("stored_message"), x.msg_id, x.conversation, x.seq,
           x.from, x.from_device, x.ts, x.body, x.system, x.has_body, x.envelope);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_ref& x) {
  return f(caf::meta::type_name("user_ref"), x.user_id, x.username);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_row& x) {
  return f(caf::meta::type_name("device_row"), x.device_id, x.name, x.created_at,
           x.last_seen);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_row& x) {
  return f(caf::meta::type_name("block_row"), x.user_id, x.username, x.since);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_member& x) {
  return f(caf::meta::type_name("group_member"), x.user_id, x.admin, x.joined_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_details& x) {
  return f(caf::meta::type_name("conversation_details"), x.conversation_id, x.kind, x.title,
           x.created_by, x.created_at, x.last_seq, x.members);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_summary& x) {
  return f(caf::meta::type_name("conversation_summary"), x.conversation_id, x.kind, x.title,
           x.last_seq, x.unread, x.peer_id, x.peer_name, x.peer_delivered, x.peer_read,
           x.members);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_push& x) {
  return f(caf::meta::type_name("call_push"), x.user, x.call_id, x.from, x.from_device, x.video,
           x.ts, x.expires_ts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_note& x) {
  return f(caf::meta::type_name("push_note"), x.conversation, x.msg_id, x.seq, x.from,
           x.ts, x.prev_ts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, receipt_summary& x) {
  return f(caf::meta::type_name("receipt_summary"), x.conversation_id, x.seq, x.from,
           x.delivered, x.read, x.pending);
}

} // namespace parley::wire
