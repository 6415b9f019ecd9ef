#include "wire/e2e/plaintext.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/json_u32.hpp"

namespace parley::e2e {

using json = nlohmann::json;

namespace {

std::optional<std::string> string_at(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return std::nullopt;
  return it->get<std::string>();
}

bool read_media(const json& j, media_ref& out) {
  auto id = string_at(j, "media_id"), key = string_at(j, "key"), sha = string_at(j, "sha256"),
       type = string_at(j, "content_type"), name = string_at(j, "name");
  auto size = j.find("size");
  if (!id || !key || !sha || !type || !name || size == j.end() || !size->is_number_unsigned())
    return false;
  auto raw_key = from_b64(*key, 32);
  auto digest = from_hex(*sha);
  if (!raw_key || !digest || digest->size() != 32)
    return false;
  out = {*id, std::move(*raw_key), *sha, size->get<std::uint64_t>(), *type, *name};
  return true;
}

bool read_share(const json& j, sender_key_share& out) {
  auto conv = string_at(j, "conversation"), ck = string_at(j, "chain_key"),
       sig = string_at(j, "signing_key");
  auto key_id = j.find("key_id"), iteration = j.find("iteration");
  if (!conv || !ck || !sig || key_id == j.end() || !is_u32(*key_id) || iteration == j.end()
      || !is_u32(*iteration))
    return false;
  auto chain = from_b64(*ck, 32), signing = from_b64(*sig, 32);
  if (!chain || !signing)
    return false;
  out = {*conv, key_id->get<std::uint32_t>(), iteration->get<std::uint32_t>(),
         std::move(*chain), std::move(*signing)};
  return true;
}

} // namespace

std::string text_plaintext(std::string_view text, std::size_t pad_to) {
  json j{{"t", "text"}, {"text", std::string{text}}};
  auto out = j.dump();
  if (pad_to > out.size() + 9) { // ,"pad":"" adds 9 bytes and the spaces
    j["pad"] = std::string(pad_to - out.size() - 9, ' ');
    out = j.dump();
  }
  return out;
}

std::string media_plaintext(const media_ref& m) {
  return json{{"t", "media"},          {"media_id", m.media_id},
              {"key", b64(m.key)},     {"sha256", m.sha256},
              {"size", m.size},        {"content_type", m.content_type},
              {"name", m.name}}
    .dump();
}

parsed_plaintext parse_plaintext(const bytes& raw) {
  parsed_plaintext bad{std::nullopt, "bad_plaintext"};
  auto j = json::parse(raw.begin(), raw.end(), nullptr, false);
  if (!j.is_object())
    return bad;
  auto t = string_at(j, "t");
  if (!t)
    return bad;
  plaintext out;
  out.t = *t;
  if (*t == "text") {
    auto text = string_at(j, "text");
    if (!text)
      return bad;
    out.text = std::move(*text);
  } else if (*t == "media") {
    if (!read_media(j, out.media))
      return bad;
  } else if (*t == "sender_key") {
    if (!read_share(j, out.share))
      return bad;
  }
  return {std::move(out), {}};
}

} // namespace parley::e2e
