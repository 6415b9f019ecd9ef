#include "app/bench/e2e_world.hpp"

#include <time.h>

#include <stdexcept>

#include "wire/e2e/key_directory.hpp"

namespace parley::bench {

std::vector<bench_device> publish_devices(const client::server_url& server,
                                          const std::vector<account>& logins) {
  std::vector<bench_device> out(logins.size());
  in_parallel(logins.size(), [&](std::size_t i) {
    auto& d = out[i];
    d.login = logins[i];
    d.id = {e2e::ed25519_generate(), e2e::x25519_generate()};
    d.spk = e2e::x25519_generate();
    auto id_sig = e2e::ed25519_sign(d.id.ik.priv, e2e::identity_sig_message(d.id.ikdh.pub));
    auto spk_sig = e2e::ed25519_sign(d.id.ik.priv, e2e::signed_prekey_sig_message(1, d.spk.pub));
    // 100 one-time prekeys, as the CLI publishes: a device with fewer
    // than 10 is told keys_low (a read) on every connect.
    std::vector<e2e::published_prekey> prekeys;
    for (std::uint32_t id = 1; id <= 100; ++id)
      prekeys.push_back({id, e2e::b64(e2e::x25519_generate().pub), {}});
    auto body = e2e::upload_json(
      e2e::published_identity{e2e::b64(d.id.ik.pub), e2e::b64(d.id.ikdh.pub), e2e::b64(*id_sig)},
      e2e::published_prekey{1, e2e::b64(d.spk.pub), e2e::b64(*spk_sig)}, prekeys);
    auto r = client::http_call(server, "PUT", "/v1/keys", body, d.login.token);
    if (r.status != 200)
      throw std::runtime_error("PUT /v1/keys answered " + std::to_string(r.status) + ": "
                               + r.body);
  }, "publishing keys");
  return out;
}

namespace {

e2e::bundle bundle_of(const bench_device& d) {
  auto id_sig = e2e::ed25519_sign(d.id.ik.priv, e2e::identity_sig_message(d.id.ikdh.pub));
  auto spk_sig = e2e::ed25519_sign(d.id.ik.priv, e2e::signed_prekey_sig_message(1, d.spk.pub));
  return {d.id.ik.pub, d.id.ikdh.pub, *id_sig, 1, d.spk.pub, *spk_sig, std::nullopt, {}};
}

} // namespace

sender_sessions start_sessions(const bench_device& me, std::vector<const bench_device*> to) {
  sender_sessions out{&me, std::move(to), {}};
  for (auto* peer : out.to) {
    auto s = e2e::initiate_session(me.id, bundle_of(*peer), e2e::x25519_generate(),
                                   e2e::x25519_generate());
    if (!s)
      throw std::runtime_error("a bundle parley-bench made does not verify");
    out.sessions.push_back({{std::move(*s)}});
  }
  return out;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string sealed_envelopes(sender_sessions& s, const std::string& plaintext, seal_cost& cost) {
  auto pt = e2e::to_bytes(plaintext);
  std::string out = "{";
  auto before = thread_cpu_seconds();
  for (std::size_t i = 0; i < s.to.size(); ++i) {
    auto sealed = e2e::seal_for(s.sessions[i], s.me->id, pt);
    if (!sealed)
      throw std::runtime_error("a session could not seal");
    if (i)
      out += ',';
    // An envelope is JSON of B64, numbers and fixed words: as a JSON
    // string only its quotes need escaping.
    out += "\"" + s.to[i]->login.device_id + "\":\"";
    for (char c : *sealed) {
      if (c == '"')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  cost.cpu_s += thread_cpu_seconds() - before;
  cost.envelopes += s.to.size();
  return out + "}";
}

std::optional<e2e::bytes> open_next(const bench_device& receiver, const bench_device& sender,
                                    e2e::peer_sessions& sessions, const std::string& envelope) {
  e2e::prekey_source prekeys{
    [&](std::uint32_t id) -> std::optional<e2e::key_pair> {
      return id == 1 ? std::optional{receiver.spk} : std::nullopt;
    },
    [](std::uint32_t) -> std::optional<e2e::key_pair> { return std::nullopt; }};
  return e2e::open_envelope(sessions, receiver.id, prekeys, sender.id.ik.pub,
                            sender.id.ikdh.pub, envelope, [] { return e2e::x25519_generate(); })
    .plaintext;
}

std::uint64_t open_all(const bench_device& receiver, const bench_device& sender,
                       const std::vector<std::string>& envelopes) {
  e2e::peer_sessions sessions;
  std::uint64_t failed = 0;
  for (auto& env : envelopes)
    failed += open_next(receiver, sender, sessions, env) ? 0 : 1;
  return failed;
}

std::string envelope_of(std::string_view frame) {
  auto whole = nlohmann::json::parse(frame, nullptr, false);
  return whole.is_object() ? whole.value("envelope", "") : "";
}

} // namespace parley::bench
