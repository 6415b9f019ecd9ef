#pragma once
// How the CLI shows a message record (E2E.md §13): the `listen --json`
// object as it is, or one line `[SEQ] NAME: TEXT` with the group, file and
// undecryptable variants. Pure over the record.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace parley::cli {

// `name_of` turns a user id into what to call them ("me", a username).
std::string message_line(const nlohmann::json& record,
                         const std::function<std::string(const std::string&)>& name_of);

} // namespace parley::cli
