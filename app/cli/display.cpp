#include "app/cli/display.hpp"

namespace parley::cli {

using nlohmann::json;

namespace {

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

std::string message_line(const json& record,
                         const std::function<std::string(const std::string&)>& name_of) {
  std::string line = "[" + std::to_string(record.value("seq", 0)) + "] ";
  if (record.value("group", false))
    line += "[group] ";
  if (!record.value("encrypted", true) && record.value("t", "") == "text")
    line += "(unencrypted) ";
  return line + name_of(record.value("from", "")) + ": " + content_of(record);
}

} // namespace parley::cli
