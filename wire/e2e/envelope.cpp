#include "wire/e2e/envelope.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/json_u32.hpp"

namespace parley::e2e {

using json = nlohmann::json;

// Written by hand: every value is B64, a number or a fixed word, so nothing
// needs escaping, and a sender makes many of these per message. The keys
// come in the order a JSON library that sorts them writes (the vectors'
// envelopes were made so; the order means nothing to a reader).
std::string encode_envelope(const envelope& e) {
  auto field = [](std::string& out, const char* name, const std::string& value) {
    out += '"';
    out += name;
    out += "\":\"";
    out += value;
    out += "\",";
  };
  std::string out = "{";
  out.reserve(64 + 4 * (e.header.size() + e.ct.size()) / 3 + (e.prekey ? 160 : 0));
  field(out, "ct", b64(e.ct));
  if (e.prekey)
    field(out, "ek", b64(e.ek));
  field(out, "header", b64(e.header));
  if (e.prekey) {
    field(out, "ik", b64(e.ik));
    field(out, "ikdh", b64(e.ikdh));
    out += "\"opk\":" + (e.opk ? std::to_string(*e.opk) : std::string{"null"}) + ",";
    out += "\"spk\":" + std::to_string(e.spk) + ",";
  }
  out += e.prekey ? R"("type":"prekey","v":1})" : R"("type":"message","v":1})";
  return out;
}

namespace {

std::optional<bytes> b64_field(const json& j, const char* name, std::size_t length = 0) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return std::nullopt;
  return from_b64(it->get<std::string>(), length);
}

} // namespace

parsed_envelope parse_envelope(const std::string& text) {
  parsed_envelope bad{std::nullopt, "bad_message"};
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object())
    return bad;
  if (j.value("v", json{}) != 1)
    return {std::nullopt, "unsupported_version"};
  auto type = j.value("type", "");
  envelope e;
  e.prekey = type == "prekey";
  if (!e.prekey && type != "message")
    return bad;
  auto header = b64_field(j, "header", 40);
  auto ct = b64_field(j, "ct");
  if (!header || !ct || ct->size() < 16)
    return bad;
  e.header = std::move(*header);
  e.ct = std::move(*ct);
  if (e.prekey) {
    auto ik = b64_field(j, "ik", 32), ikdh = b64_field(j, "ikdh", 32), ek = b64_field(j, "ek", 32);
    auto spk = j.find("spk"), opk = j.find("opk");
    if (!ik || !ikdh || !ek || spk == j.end() || !is_u32(*spk) || opk == j.end()
        || !(opk->is_null() || is_u32(*opk)))
      return bad;
    e.ik = std::move(*ik);
    e.ikdh = std::move(*ikdh);
    e.ek = std::move(*ek);
    e.spk = spk->get<std::uint32_t>();
    if (!opk->is_null())
      e.opk = opk->get<std::uint32_t>();
  }
  return {std::move(e), {}};
}

} // namespace parley::e2e
