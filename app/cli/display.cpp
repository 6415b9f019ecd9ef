#include "app/cli/display.hpp"

#include <cstdio>

namespace parley::cli {

using nlohmann::json;

namespace {

// 61500 ms as "1:01", an hour or more as "1:00:00".
std::string clock_text(std::int64_t ms) {
  auto s = ms / 1000;
  char out[32];
  if (s >= 3600)
    std::snprintf(out, sizeof out, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(out, sizeof out, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  return out;
}

// A call record as the callee and the caller each see it.
std::string call_text(const json& call, const std::string& caller, bool from_me,
                      const std::string& peer) {
  std::string kind = call.value("media", "audio") == "video" ? "video call" : "call";
  auto result = call.value("result", "");
  auto other = from_me ? (peer.empty() ? std::string{"them"} : peer) : caller;
  if (result == "answered")
    return kind + " with " + other + ", " + clock_text(call.value("duration_ms", 0LL));
  if (from_me) {
    const char* how = result == "rejected" ? "declined"
                      : result == "busy"   ? "busy"
                      : result == "cancelled" ? "cancelled"
                                              : "no answer";
    return kind + " to " + other + ", " + how;
  }
  if (result == "rejected")
    return "declined " + kind + " from " + caller;
  return "missed " + kind + " from " + caller + (result == "busy" ? " (busy)" : "");
}

std::string content_of(const json& r) {
  if (r.contains("error"))
    return "[undecryptable: " + r.value("error", "") + "]";
  auto t = r.value("t", "");
  if (t == "text")
    return r.value("text", "");
  if (t == "media") {
    auto name = r.value("name", "file");
    return "[file " + name + ", " + std::to_string(r.value("size", std::uint64_t{0}))
           + " bytes] parley fetch " + r.value("media_id", "") + " -o " + name;
  }
  if (t == "system")
    return "[" + (r.contains("system") ? r["system"].dump() : std::string{}) + "]";
  return "[unsupported message kind '" + t + "']";
}

} // namespace

const json* call_of(const json& record) {
  if (record.value("t", "") != "system")
    return nullptr;
  auto it = record.find("system");
  if (it == record.end() || !it->is_object() || it->value("event", "") != "call")
    return nullptr;
  return &*it;
}

std::string message_line(const json& record,
                         const std::function<std::string(const std::string&)>& name_of,
                         const std::string& me, const std::string& peer) {
  std::string line = "[" + std::to_string(record.value("seq", 0)) + "] ";
  if (auto* call = call_of(record)) {
    auto from = record.value("from", "");
    return line + call_text(*call, name_of(from), !me.empty() && from == me, peer);
  }
  if (record.value("group", false))
    line += "[group] ";
  if (!record.value("encrypted", true) && record.value("t", "") == "text")
    line += "(unencrypted) ";
  return line + name_of(record.value("from", "")) + ": " + content_of(record);
}

} // namespace parley::cli
