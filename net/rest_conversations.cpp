// GET and POST /v1/conversations, GET /v1/conversations/{id}, its
// messages, members and receipts.
#include <algorithm>
#include <limits>

#include "net/rest_handlers.hpp"
#include "wire/envelopes.hpp"
#include "wire/json_out.hpp"
#include "wire/records.hpp"

namespace parley::net {

namespace {

constexpr int default_page = 50;
constexpr int max_page = 200;

} // namespace

void rest_handlers::conversations(const http_request& req, responder respond) {
  authorized(req, respond, [=](const identity& who) {
    ask<std::vector<wire::conversation_summary>>(
      queries_, ctx_->request_timeout, respond, written_ok(respond, wire::conversations_body),
      convs_atom::value, who.user_id);
  });
}

void rest_handlers::history(const http_request& req, const std::string& conv_text,
             const std::string& query, responder respond) {
  auto conv = parse_id(conv_text);
  if (!conv)
    return respond(error_response(400, "invalid_parameter",
                                  "conversation id must be a decimal id"));
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  if (auto raw = query_param(query, "before")) {
    auto v = to_int(*raw);
    if (!v || *v < 0)
      return respond(error_response(400, "invalid_parameter",
                                    "'before' must be a non-negative integer"));
    before = *v;
  }
  std::int64_t limit = default_page;
  if (auto raw = query_param(query, "limit")) {
    auto v = to_int(*raw);
    if (!v || *v < 1)
      return respond(error_response(400, "invalid_parameter",
                                    "'limit' must be a positive integer"));
    limit = std::min<std::int64_t>(*v, max_page);
  }
  authorized(req, respond, [=](const identity& who) {
    ask<std::vector<wire::stored_message>>(
      queries_, ctx_->request_timeout, respond, written_ok(respond, wire::history_body),
      history_atom::value, who, *conv, before,
      static_cast<std::int32_t>(limit));
  });
}

// Answers a membership change with its system message's place in the
// conversation.
http_response rest_handlers::change_response(const ack_info& ack, const char* field,
                                     const std::vector<id64>& users) {
  return json_response(200, json{{"conversation_id", id_to_string(ack.conversation)},
                                 {"msg_id", id_to_string(ack.msg_id)},
                                 {"seq", ack.seq},
                                 {"ts", ack.ts},
                                 {field, wire::ids_json(users)}}
                              .dump());
}

// Nobody is put in a group by someone they block (WhatsApp: "couldn't
// add"): 403 `blocked`, naming no one, so the adder learns only that it
// did not work.
template <class Go>
void rest_handlers::unless_blocked_by(id64 adder, const std::vector<id64>& users,
                                      const responder& respond, Go go) {
  ask<std::vector<id64>>(
    queries_, ctx_->request_timeout, respond,
    [=](const std::vector<id64>& blockers) {
      if (!blockers.empty())
        return respond(error_response(403, "blocked",
                                      "a user you named cannot be added by you"));
      go();
    },
    blockers_atom::value, adder, users);
}

void rest_handlers::create_group(http_request req, responder respond) {
  authorized_json(std::move(req), respond, [=](const identity& who, const json& doc) {
    create_group_as(who, doc, respond);
  });
}

void rest_handlers::create_group_as(const identity& who, const json& doc,
                                    const responder& respond) {
  if (!doc.contains("title"))
    return respond(error_response(400, "missing_field", "field 'title' is required"));
  auto title = string_field(doc, "title");
  if (!title || title->empty() || title->size() > 128)
    return respond(error_response(400, "invalid_field",
                                  "'title' must be a string of 1 to 128 bytes"));
  auto ids = id_array_field(doc, "members");
  if (auto* err = std::get_if<http_response>(&ids))
    return respond(*err);
  auto members = std::get<std::vector<id64>>(ids);
  // Listing yourself is allowed: you are a member (and admin) anyway.
  members.erase(std::remove(members.begin(), members.end(), who.user_id),
                members.end());
  if (members.empty())
    return respond(error_response(400, "no_members",
                                  "a group needs at least one member besides you"));
  if (members.size() + 1 > ctx_->max_group_size)
    return respond(error_response(
      400, "too_many_members",
      "a group has at most " + std::to_string(ctx_->max_group_size) + " members"));
  group_spec spec{who.user_id, *title, members};
  unless_blocked_by(who.user_id, members, respond, [=] { create_group_now(spec, respond); });
}

void rest_handlers::create_group_now(const group_spec& spec, const responder& respond) {
  ask<wire::stored_message>(
    queries_, ctx_->request_timeout, respond,
    [=](const wire::stored_message& created) {
      auto everyone = spec.members;
      everyone.insert(everyone.begin(), spec.creator);
      // Sent as every message is, with its note (seq 1, no predecessor):
      // a live device counts it in the conversation's order, and members
      // with no live device are pushed.
      caf::anon_send(directory_, fanout_atom::value, everyone, id64{0},
                     wire::device_frames{wire::shared_text{wire::message_frame(created)}},
                     wire::note_of(created, 0));
      caf::anon_send(directory_, contacts_atom::value, everyone);
      respond(json_response(
        201, json{{"conversation_id", id_to_string(created.conversation)},
                  {"kind", "group"},
                  {"title", spec.title},
                  {"created_by", id_to_string(spec.creator)},
                  {"created_at", created.ts},
                  {"members", wire::ids_json(everyone)},
                  {"admins", json::array({id_to_string(spec.creator)})},
                  {"last_seq", created.seq}}
               .dump()));
    },
    group_atom::value, spec);
}

void rest_handlers::conversation(const http_request& req, const std::string& conv_text,
                  responder respond) {
  auto conv = path_id(conv_text);
  if (!conv)
    return respond(bad_conversation_id());
  authorized(req, respond, [=](const identity& who) {
    ask<wire::conversation_details>(queries_, ctx_->request_timeout, respond,
                                    written_ok(respond, wire::details_body), info_atom::value,
                                    who.user_id, *conv);
  });
}

void rest_handlers::add_members(http_request req, const std::string& conv_text,
                                responder respond) {
  auto conv = path_id(conv_text);
  if (!conv)
    return respond(bad_conversation_id());
  authorized_json(std::move(req), respond, [=](const identity& who, const json& doc) {
    add_members_as(who, *conv, doc, respond);
  });
}

void rest_handlers::add_members_as(const identity& who, id64 conv, const json& doc,
                                   const responder& respond) {
  std::vector<id64> users;
  // {"members": [...]}, or the alias {"users": [...]}, or one {"user_id"}.
  const char* list = doc.contains("users") && !doc.contains("members") ? "users" : "members";
  if (doc.contains("user_id") && !doc.contains("members") && !doc.contains("users")) {
    auto raw = string_field(doc, "user_id");
    auto id = raw ? parse_id(*raw) : std::nullopt;
    if (!id)
      return respond(error_response(400, "invalid_field",
                                    "'user_id' must be an id as a decimal string"));
    users.push_back(*id);
  } else {
    auto ids = id_array_field(doc, list);
    if (auto* err = std::get_if<http_response>(&ids))
      return respond(*err);
    users = std::get<std::vector<id64>>(ids);
  }
  if (users.empty())
    return respond(error_response(400, "no_members", "name at least one user to add"));
  // Unknown users first (users are never deleted, so this holds), then
  // the conversation decides: admin rights, membership, size limit.
  ask<std::vector<id64>>(
    queries_, ctx_->request_timeout, respond,
    [=](const std::vector<id64>& missing) {
      if (!missing.empty())
        return respond(error_response(404, "no_such_user",
                                      "no such user: " + id_to_string(missing[0])));
      unless_blocked_by(who.user_id, users, respond, [=] {
        ask_conversation<ack_info>(
          conv, respond,
          [=](const ack_info& ack) { respond(change_response(ack, "added", users)); },
          members_atom::value, membership_change{who.user_id, true, users});
      });
    },
    exists_atom::value, users);
}

void rest_handlers::remove_member(const http_request& req, const std::string& conv_text,
                   const std::string& user_text, responder respond) {
  auto conv = path_id(conv_text);
  if (!conv)
    return respond(bad_conversation_id());
  auto user = path_id(user_text);
  if (!user)
    return respond(error_response(400, "invalid_parameter", "user id must be a decimal id"));
  authorized(req, respond, [=](const identity& who) {
    ask_conversation<ack_info>(
      *conv, respond,
      [=](const ack_info& ack) {
        respond(change_response(ack, "removed", {*user}));
      },
      members_atom::value, membership_change{who.user_id, false, {*user}});
  });
}

void rest_handlers::receipts(const http_request& req, const std::string& conv_text,
              const std::string& query, responder respond) {
  auto conv = path_id(conv_text);
  if (!conv)
    return respond(bad_conversation_id());
  auto raw = query_param(query, "seq");
  auto seq = raw ? to_int(*raw) : std::nullopt;
  if (!seq || *seq < 1)
    return respond(error_response(400, "invalid_parameter",
                                  "'seq' must be a positive integer"));
  authorized(req, respond, [=](const identity& who) {
    ask<wire::receipt_summary>(queries_, ctx_->request_timeout, respond,
                               written_ok(respond, wire::receipts_body), receipts_atom::value,
                               who.user_id, *conv, *seq);
  });
}

} // namespace parley::net
