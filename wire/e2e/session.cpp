#include "wire/e2e/session.hpp"

#include <utility>

#include "wire/e2e/envelope.hpp"

namespace parley::e2e {

std::optional<session> initiate_session(const identity& me, const bundle& peer,
                                        const key_pair& ek, const key_pair& first_ratchet) {
  auto secret = x3dh_initiate(me, peer, ek);
  if (!secret)
    return std::nullopt;
  session s;
  s.ratchet = ratchet_init_alice(secret->sk, peer.spk, first_ratchet);
  s.ad = std::move(secret->ad);
  s.initiator = true;
  s.sends_prekey = true;
  s.base_key = ek.pub;
  s.spk_id = peer.spk_id;
  s.opk_id = peer.opk_id;
  return s;
}

std::optional<std::string> seal_envelope(session& s, const identity& me,
                                         const bytes& plaintext) {
  auto sealed = ratchet_encrypt(s.ratchet, s.ad, plaintext);
  if (!sealed)
    return std::nullopt;
  envelope e;
  e.header = std::move(sealed->header);
  e.ct = std::move(sealed->ct);
  if (s.sends_prekey) {
    e.prekey = true;
    e.ik = me.ik.pub;
    e.ikdh = me.ikdh.pub;
    e.ek = s.base_key;
    e.spk = s.spk_id;
    e.opk = s.opk_id;
  }
  return encode_envelope(e);
}

namespace {

// Makes `sessions[at]` the active one.
void activate(peer_sessions& ps, std::size_t at) {
  auto chosen = std::move(ps.sessions[at]);
  ps.sessions.erase(ps.sessions.begin() + static_cast<std::ptrdiff_t>(at));
  ps.sessions.insert(ps.sessions.begin(), std::move(chosen));
  if (ps.sessions.size() > 1 + max_previous_sessions)
    ps.sessions.resize(1 + max_previous_sessions);
}

// Decrypts on a copy of `s`; the copy replaces it only if it opened.
std::optional<bytes> try_open(session& s, const envelope& e, const pair_source& new_pair) {
  auto trial = s;
  auto pt = ratchet_decrypt(trial.ratchet, trial.ad, e.header, e.ct, new_pair);
  if (!pt)
    return std::nullopt;
  trial.sends_prekey = false; // a message from the peer opened on it
  s = std::move(trial);
  return pt;
}

opened_envelope failed(std::string code) {
  return {std::nullopt, std::move(code), std::nullopt};
}

opened_envelope open_prekey(peer_sessions& ps, const identity& me,
                            const prekey_source& prekeys, const envelope& e,
                            const pair_source& new_pair) {
  for (std::size_t i = 0; i < ps.sessions.size(); ++i) {
    auto& s = ps.sessions[i];
    if (s.initiator || s.base_key != e.ek)
      continue;
    auto pt = try_open(s, e, new_pair); // a later message of a session answered before
    if (!pt)
      return failed("bad_message");
    activate(ps, i);
    return {std::move(pt), {}, std::nullopt};
  }
  auto spk = prekeys.signed_prekey(e.spk);
  std::optional<key_pair> opk;
  if (e.opk)
    opk = prekeys.one_time_prekey(*e.opk);
  if (!spk || (e.opk && !opk))
    return failed("no_prekey");
  auto secret = x3dh_respond(me, *spk, opk ? &*opk : nullptr, e.ik, e.ikdh, e.ek);
  if (!secret)
    return failed("bad_message");
  session fresh;
  fresh.ratchet = ratchet_init_bob(secret->sk, *spk);
  fresh.ad = std::move(secret->ad);
  fresh.base_key = e.ek;
  fresh.spk_id = e.spk;
  fresh.opk_id = e.opk;
  auto pt = try_open(fresh, e, new_pair);
  if (!pt)
    return failed("bad_message");
  ps.sessions.insert(ps.sessions.begin(), std::move(fresh));
  activate(ps, 0);
  return {std::move(pt), {}, e.opk};
}

} // namespace

opened_envelope open_envelope(peer_sessions& ps, const identity& me,
                              const prekey_source& prekeys, const bytes& peer_ik,
                              const bytes& peer_ikdh, const std::string& text,
                              const pair_source& new_pair) {
  auto parsed = parse_envelope(text);
  if (!parsed.value)
    return failed(parsed.error);
  auto& e = *parsed.value;
  if (e.prekey) {
    if (e.ik != peer_ik || e.ikdh != peer_ikdh)
      return failed("identity_mismatch");
    return open_prekey(ps, me, prekeys, e, new_pair);
  }
  if (ps.sessions.empty())
    return failed("no_session");
  for (std::size_t i = 0; i < ps.sessions.size(); ++i)
    if (auto pt = try_open(ps.sessions[i], e, new_pair)) {
      activate(ps, i);
      return {std::move(pt), {}, std::nullopt};
    }
  return failed("bad_message");
}

std::optional<std::string> seal_for(peer_sessions& ps, const identity& me,
                                    const bytes& plaintext) {
  if (ps.sessions.empty())
    return std::nullopt;
  return seal_envelope(ps.sessions.front(), me, plaintext);
}

} // namespace parley::e2e
