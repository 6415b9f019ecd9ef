#include "wire/e2e/state_codec.hpp"

#include <nlohmann/json.hpp>

#include "wire/e2e/json_u32.hpp"

namespace parley::e2e {

using json = nlohmann::json;

namespace {

// Thrown inside a decoder; caught at its edge.
struct malformed {};

json hex_of(const bytes& b) {
  return hex(b);
}

bytes bytes_at(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    throw malformed{};
  auto raw = from_hex(it->get<std::string>());
  if (!raw)
    throw malformed{};
  return std::move(*raw);
}

std::uint32_t u32_at(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !is_u32(*it))
    throw malformed{};
  return it->get<std::uint32_t>();
}

bool bool_at(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_boolean())
    throw malformed{};
  return it->get<bool>();
}

const json& array_at(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array())
    throw malformed{};
  return *it;
}

json ratchet_json(const ratchet_state& r) {
  auto skipped = json::array();
  for (auto& k : r.skipped)
    skipped.push_back({{"dh", hex_of(k.dh)}, {"n", k.n}, {"mk", hex_of(k.mk)}});
  return {{"dhs_priv", hex_of(r.dhs.priv)}, {"dhs_pub", hex_of(r.dhs.pub)},
          {"dhr", hex_of(r.dhr)},           {"rk", hex_of(r.rk)},
          {"cks", hex_of(r.cks)},           {"ckr", hex_of(r.ckr)},
          {"ns", r.ns},                     {"nr", r.nr},
          {"pn", r.pn},                     {"skipped", std::move(skipped)}};
}

ratchet_state ratchet_of(const json& j) {
  ratchet_state r;
  r.dhs = {bytes_at(j, "dhs_priv"), bytes_at(j, "dhs_pub")};
  r.dhr = bytes_at(j, "dhr");
  r.rk = bytes_at(j, "rk");
  r.cks = bytes_at(j, "cks");
  r.ckr = bytes_at(j, "ckr");
  r.ns = u32_at(j, "ns");
  r.nr = u32_at(j, "nr");
  r.pn = u32_at(j, "pn");
  for (auto& k : array_at(j, "skipped"))
    r.skipped.push_back({bytes_at(k, "dh"), u32_at(k, "n"), bytes_at(k, "mk")});
  return r;
}

template <class F>
auto decoding(std::string_view text, F read) -> std::optional<decltype(read(json{}))> {
  auto j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object())
    return std::nullopt;
  try {
    return read(j);
  } catch (const malformed&) {
    return std::nullopt;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

} // namespace

std::string encode_sessions(const peer_sessions& ps) {
  auto list = json::array();
  for (auto& s : ps.sessions)
    list.push_back({{"ratchet", ratchet_json(s.ratchet)},
                    {"ad", hex_of(s.ad)},
                    {"initiator", s.initiator},
                    {"sends_prekey", s.sends_prekey},
                    {"base_key", hex_of(s.base_key)},
                    {"spk_id", s.spk_id},
                    {"opk_id", s.opk_id ? json(*s.opk_id) : json(nullptr)}});
  return json{{"sessions", std::move(list)}}.dump();
}

std::optional<peer_sessions> decode_sessions(std::string_view text) {
  return decoding(text, [](const json& j) {
    peer_sessions out;
    for (auto& s : array_at(j, "sessions")) {
      session one;
      one.ratchet = ratchet_of(s.at("ratchet"));
      one.ad = bytes_at(s, "ad");
      one.initiator = bool_at(s, "initiator");
      one.sends_prekey = bool_at(s, "sends_prekey");
      one.base_key = bytes_at(s, "base_key");
      one.spk_id = u32_at(s, "spk_id");
      if (!s.at("opk_id").is_null())
        one.opk_id = u32_at(s, "opk_id");
      out.sessions.push_back(std::move(one));
    }
    return out;
  });
}

std::string encode_own_sender_key(const own_sender_key& k) {
  return json{{"key_id", k.key_id},
              {"chain_key", hex_of(k.chain_key)},
              {"iteration", k.iteration},
              {"signing_priv", hex_of(k.signing.priv)},
              {"signing_pub", hex_of(k.signing.pub)}}
    .dump();
}

std::optional<own_sender_key> decode_own_sender_key(std::string_view text) {
  return decoding(text, [](const json& j) {
    return own_sender_key{u32_at(j, "key_id"), bytes_at(j, "chain_key"), u32_at(j, "iteration"),
                          {bytes_at(j, "signing_priv"), bytes_at(j, "signing_pub")}};
  });
}

std::string encode_their_sender_key(const their_sender_key& k) {
  auto skipped = json::array();
  for (auto& [iteration, mk] : k.skipped)
    skipped.push_back({{"iteration", iteration}, {"mk", hex_of(mk)}});
  return json{{"key_id", k.key_id},
              {"chain_key", hex_of(k.chain_key)},
              {"iteration", k.iteration},
              {"signing_pub", hex_of(k.signing_pub)},
              {"skipped", std::move(skipped)}}
    .dump();
}

std::optional<their_sender_key> decode_their_sender_key(std::string_view text) {
  return decoding(text, [](const json& j) {
    their_sender_key k;
    k.key_id = u32_at(j, "key_id");
    k.chain_key = bytes_at(j, "chain_key");
    k.iteration = u32_at(j, "iteration");
    k.signing_pub = bytes_at(j, "signing_pub");
    for (auto& s : array_at(j, "skipped"))
      k.skipped.emplace(u32_at(s, "iteration"), bytes_at(s, "mk"));
    return k;
  });
}

} // namespace parley::e2e
