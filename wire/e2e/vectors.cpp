#include "wire/e2e/vectors.hpp"

#include <functional>

#include "wire/e2e/vectors_check.hpp"

namespace parley::e2e::vectors {

void checker::check(const std::string& name, bool pass) {
  results.push_back({name, pass});
}

void checker::same(const std::string& name, const std::optional<bytes>& got,
                   const json& expected) {
  auto want = expected.is_string() ? from_hex(expected.get<std::string>()) : std::nullopt;
  check(name, got && want && *got == *want);
}

void checker::same_text(const std::string& name, const std::string& got, const json& expected) {
  check(name, expected.is_string() && got == expected.get<std::string>());
}

void checker::same_json(const std::string& name, const std::string& got, const json& expected) {
  auto a = json::parse(got, nullptr, false);
  auto b = expected.is_string() ? json::parse(expected.get<std::string>(), nullptr, false)
                                : json(json::value_t::discarded);
  check(name, !a.is_discarded() && !b.is_discarded() && a == b);
}

bytes hx(const json& v) {
  return v.is_string() ? from_hex(v.get<std::string>()).value_or(bytes{}) : bytes{};
}

key_pair x_pair(const json& v) {
  auto priv = hx(v.value("private", json{}));
  return {priv, x25519_public(priv).value_or(bytes{})};
}

key_pair ed_pair(const json& v) {
  auto priv = hx(v.value("private", json{}));
  return {priv, ed25519_public(priv).value_or(bytes{})};
}

identity identity_of(const json& party) {
  return {ed_pair(party["identity_key"]), x_pair(party["identity_dh"])};
}

namespace {

void check_rfc(checker& c, const json& rfc) {
  auto& h = rfc["hkdf_sha256_rfc5869_case1"];
  c.same("rfc.hkdf.okm",
         hkdf_sha256(hx(h["salt"]), hx(h["ikm"]), hx(h["info"]), h.value("length", 0)),
         h["okm"]);
  auto& x = rfc["x25519_rfc7748_6_1"];
  c.same("rfc.x25519.alice_public", x25519_public(hx(x["alice_private"])), x["alice_public"]);
  c.same("rfc.x25519.bob_public", x25519_public(hx(x["bob_private"])), x["bob_public"]);
  c.same("rfc.x25519.shared", x25519(hx(x["alice_private"]), hx(x["bob_public"])), x["shared"]);
  c.same("rfc.x25519.shared_bob", x25519(hx(x["bob_private"]), hx(x["alice_public"])),
         x["shared"]);
  auto& e = rfc["ed25519_rfc8032_test1"];
  c.same("rfc.ed25519.public", ed25519_public(hx(e["private"])), e["public"]);
  c.same("rfc.ed25519.signature", ed25519_sign(hx(e["private"]), hx(e["message"])),
         e["signature"]);
  c.check("rfc.ed25519.verify",
          ed25519_verify(hx(e["public"]), hx(e["message"]), hx(e["signature"])));
}

void check_party(checker& c, const std::string& who, const json& p) {
  auto id = identity_of(p);
  auto at = "parties." + who + ".";
  c.same(at + "identity_key.public", id.ik.pub, p["identity_key"]["public"]);
  c.same(at + "identity_dh.public", id.ikdh.pub, p["identity_dh"]["public"]);
  if (p.contains("identity_sig_message"))
    c.same(at + "identity_sig_message", identity_sig_message(id.ikdh.pub),
           p["identity_sig_message"]);
  c.same(at + "identity_sig", ed25519_sign(id.ik.priv, identity_sig_message(id.ikdh.pub)),
         p["identity_sig"]);
  if (p.contains("signed_prekey")) {
    auto& s = p["signed_prekey"];
    auto spk = x_pair(s);
    auto msg = signed_prekey_sig_message(s.value("id", 0u), spk.pub);
    c.same(at + "signed_prekey.public", spk.pub, s["public"]);
    if (s.contains("sig_message"))
      c.same(at + "signed_prekey.sig_message", msg, s["sig_message"]);
    c.same(at + "signed_prekey.sig", ed25519_sign(id.ik.priv, msg), s["sig"]);
  }
  if (p.contains("one_time_prekey"))
    c.same(at + "one_time_prekey.public", x_pair(p["one_time_prekey"]).pub,
           p["one_time_prekey"]["public"]);
}

void check_directory(checker& c, const json& d, const json& bob) {
  auto& put = d["put_keys_body"];
  auto id = identity_of(bob);
  c.same_text("directory.put_keys_body.identity_key", b64(id.ik.pub), put["identity_key"]);
  c.same_text("directory.put_keys_body.identity_dh", b64(id.ikdh.pub), put["identity_dh"]);
  c.same_text("directory.put_keys_body.identity_sig",
              b64(ed25519_sign(id.ik.priv, identity_sig_message(id.ikdh.pub)).value_or(bytes{})),
              put["identity_sig"]);
  auto spk = x_pair(bob["signed_prekey"]);
  c.same_text("directory.put_keys_body.signed_prekey.key", b64(spk.pub),
              put["signed_prekey"]["key"]);
  auto& answer = d["get_keys_answer"]["devices"];
  c.check("directory.get_keys_answer.verifies",
          answer.is_array() && !answer.empty()
            && identity_verifies(from_b64(answer[0].value("identity_key", "")).value_or(bytes{}),
                                 from_b64(answer[0].value("identity_dh", "")).value_or(bytes{}),
                                 from_b64(answer[0].value("identity_sig", "")).value_or(bytes{})));
}

bundle bundle_of(const json& bob, bool with_opk) {
  auto id = identity_of(bob);
  auto spk = x_pair(bob["signed_prekey"]);
  bundle b{id.ik.pub, id.ikdh.pub,
           ed25519_sign(id.ik.priv, identity_sig_message(id.ikdh.pub)).value_or(bytes{}),
           bob["signed_prekey"].value("id", 0u), spk.pub,
           ed25519_sign(id.ik.priv, signed_prekey_sig_message(bob["signed_prekey"].value("id", 0u),
                                                               spk.pub))
             .value_or(bytes{}),
           std::nullopt, {}};
  if (with_opk) {
    b.opk_id = bob["one_time_prekey"].value("id", 0u);
    b.opk = x_pair(bob["one_time_prekey"]).pub;
  }
  return b;
}

void check_x3dh(checker& c, const std::string& name, const json& v, const json& alice,
                const json& bob) {
  bool with_opk = !v.value("opk", json{}).is_null();
  auto a = identity_of(alice), b = identity_of(bob);
  auto ek = x_pair(v["ephemeral"]);
  auto spk = x_pair(bob["signed_prekey"]);
  auto opk = x_pair(bob["one_time_prekey"]);
  auto at = name + ".";
  c.same(at + "ephemeral.public", ek.pub, v["ephemeral"]["public"]);
  c.same(at + "dh1", x25519(a.ikdh.priv, spk.pub), v["dh1"]);
  c.same(at + "dh2", x25519(ek.priv, b.ikdh.pub), v["dh2"]);
  c.same(at + "dh3", x25519(ek.priv, spk.pub), v["dh3"]);
  if (with_opk)
    c.same(at + "dh4", x25519(ek.priv, opk.pub), v["dh4"]);
  auto secret = x3dh_initiate(a, bundle_of(bob, with_opk), ek);
  auto answer = x3dh_respond(b, spk, with_opk ? &opk : nullptr, a.ik.pub, a.ikdh.pub, ek.pub);
  c.same(at + "ikm",
         x3dh_ikm(hx(v["dh1"]), hx(v["dh2"]), hx(v["dh3"]), with_opk ? hx(v["dh4"]) : bytes{}),
         v["ikm"]);
  c.same(at + "sk", secret ? std::optional<bytes>{secret->sk} : std::nullopt, v["sk"]);
  c.same(at + "ad", secret ? std::optional<bytes>{secret->ad} : std::nullopt, v["ad"]);
  c.check(at + "responder_agrees", secret && answer && answer->sk == secret->sk
                                     && answer->ad == secret->ad);
}

} // namespace

} // namespace parley::e2e::vectors

namespace parley::e2e {

std::vector<vector_check> check_vectors(const nlohmann::json& file) {
  using namespace vectors;
  checker c;
  auto section = [&](const char* name, const std::function<void()>& run) {
    try {
      if (file.contains(name))
        run();
    } catch (const std::exception&) {
      c.check(std::string{name} + ".readable", false); // malformed section
    }
  };
  auto& parties = file.contains("parties") ? file["parties"] : json::object();
  section("rfc", [&] { check_rfc(c, file["rfc"]); });
  section("parties", [&] {
    for (auto& [who, p] : parties.items())
      check_party(c, who, p);
  });
  section("directory", [&] { check_directory(c, file["directory"], parties["bob"]); });
  section("x3dh_without_opk", [&] {
    check_x3dh(c, "x3dh_without_opk", file["x3dh_without_opk"], parties["alice"], parties["bob"]);
  });
  section("x3dh_with_opk", [&] {
    check_x3dh(c, "x3dh_with_opk", file["x3dh_with_opk"], parties["alice"], parties["bob"]);
  });
  section("ratchet", [&] {
    check_ratchet(c, file["ratchet"], file["x3dh_with_opk"], parties["alice"], parties["bob"]);
  });
  section("sender_key", [&] { check_group(c, file["sender_key"]); });
  section("media", [&] { check_media(c, file["media"]); });
  section("safety_number", [&] { check_safety(c, file["safety_number"]); });
  return c.results;
}

} // namespace parley::e2e
