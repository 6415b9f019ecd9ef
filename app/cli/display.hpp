#pragma once
// How the CLI shows a message record (E2E.md §13): the `listen --json`
// object as it is, or one line `[SEQ] NAME: TEXT` with the group, file and
// undecryptable variants, and call records. Pure over the record.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace parley::cli {

// `name_of` turns a user id into what to call them ("me", a username).
// A call record reads "missed call from alice" or "call with bob, 3:12":
// `me` is this user's id and `peer` the other member's name in a 1:1
// conversation (for the calls this user made).
std::string message_line(const nlohmann::json& record,
                         const std::function<std::string(const std::string&)>& name_of,
                         const std::string& me = {}, const std::string& peer = {});

// The call record's body, if `record` is one.
const nlohmann::json* call_of(const nlohmann::json& record);

} // namespace parley::cli
