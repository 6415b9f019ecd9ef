#include "app/e2e/outgoing.hpp"

#include <algorithm>
#include <set>

#include "wire/e2e/group.hpp"

namespace parley::e2e_client {

using nlohmann::json;

namespace {

json envelopes_json(const std::map<id64, std::string>& envelopes) {
  json out = json::object();
  for (auto& [dev, text] : envelopes)
    out[std::to_string(dev)] = text;
  return out;
}

std::vector<id64> ids_of(const json& list) {
  std::vector<id64> out;
  if (list.is_array())
    for (auto& v : list)
      if (v.is_string())
        if (auto id = parse_id(v.get<std::string>()))
          out.push_back(*id);
  return out;
}

struct stale_report {
  std::vector<device_address> missing;
  std::vector<id64> extra;
};

// Reads a `stale_devices` error, forgets the extra devices and fetches the
// bundles of the missing ones.
stale_report handle_stale(device& d, const json& error) {
  stale_report out;
  auto owners = error.value("owners", json::object());
  auto owner_of = [&](id64 dev) -> std::optional<id64> {
    auto key = std::to_string(dev);
    if (!owners.is_object() || !owners.contains(key) || !owners[key].is_string())
      return std::nullopt;
    return parse_id(owners[key].get<std::string>());
  };
  out.extra = ids_of(error.value("extra", json::array()));
  for (auto dev : out.extra)
    if (auto owner = owner_of(dev))
      d.forget({*owner, dev});
  std::map<id64, std::vector<id64>> by_owner;
  for (auto dev : ids_of(error.value("missing", json::array())))
    if (auto owner = owner_of(dev)) {
      by_owner[*owner].push_back(dev);
      out.missing.push_back({*owner, dev});
    }
  for (auto& [owner, devs] : by_owner)
    d.fetch_bundles(owner, devs);
  return out;
}

[[noreturn]] void refuse(const json& answer) {
  throw send_refused(answer.value("code", "bad_answer"),
                     answer.value("message", "the server answered neither ack nor error"));
}

bool is_ack(const json& answer) {
  return answer.value("type", "") == "ack";
}

bool is_stale(const json& answer) {
  return answer.value("type", "") == "error" && answer.value("code", "") == "stale_devices";
}

void drop_extra(std::vector<device_address>& required, std::map<id64, std::string>& envelopes,
                const std::vector<id64>& extra) {
  for (auto dev : extra) {
    envelopes.erase(dev);
    required.erase(std::remove_if(required.begin(), required.end(),
                                  [&](auto& r) { return r.device == dev; }),
                   required.end());
  }
}

void add_missing(std::vector<device_address>& required,
                 const std::vector<device_address>& missing) {
  for (auto& m : missing)
    if (std::find(required.begin(), required.end(), m) == required.end())
      required.push_back(m);
  std::sort(required.begin(), required.end());
}

} // namespace

sent_message send_direct(device& d, id64 peer, const outgoing_message& m,
                         const submit_fn& submit) {
  auto required = d.required_devices({d.user(), peer});
  if (std::none_of(required.begin(), required.end(), [&](auto& r) { return r.user == peer; })
      && peer != d.user())
    throw send_refused("no_devices", "the user has no device with keys");
  auto envelopes = d.seal(required, m.plaintext);
  for (int attempt = 0;; ++attempt) {
    json frame{{"type", "send"}, {"id", m.client_id}, {"to", std::to_string(peer)},
               {"envelopes", envelopes_json(envelopes)}};
    if (!m.media.empty())
      frame["media"] = m.media;
    auto answer = submit(frame);
    if (is_ack(answer))
      return {std::move(answer), envelopes.size(), std::nullopt, {}};
    if (!is_stale(answer) || attempt == max_stale_retries)
      refuse(answer);
    auto stale = handle_stale(d, answer);
    drop_extra(required, envelopes, stale.extra);
    add_missing(required, stale.missing);
    // Unchanged devices keep the envelopes already built: their sessions
    // moved on when those were sealed.
    auto added = d.seal(stale.missing, m.plaintext);
    envelopes.insert(added.begin(), added.end());
  }
}

namespace {

// One group send's sender-key state: which devices get the distribution,
// and the body under the key.
struct group_attempt {
  state_store::own_group_key key;
  std::string distribution; // for the iteration `body` uses
  std::string body;
  std::map<id64, std::string> envelopes;
  std::set<id64> distributed_to;
};

bool holds(const state_store::own_group_key& k, id64 dev) {
  return std::binary_search(k.holders.begin(), k.holders.end(), dev);
}

// Encrypts the body under the key (a new one if `rotate`), saved before
// the frame leaves.
void encrypt_body(device& d, const std::string& conversation, group_attempt& g,
                  const e2e::bytes& plaintext, bool rotate) {
  if (rotate)
    g.key = {e2e::new_sender_key(g.key.key.key_id), {}};
  g.distribution = e2e::distribution_plaintext(g.key.key, conversation);
  g.body = e2e::group_encrypt(g.key.key, plaintext);
  d.store().transaction([&] { d.store().save_own_sender_key(conversation, g.key); });
}

// The envelopes of the devices in `devices`: "" for a holder, else the
// distribution.
void address(device& d, group_attempt& g, const std::vector<device_address>& devices) {
  std::vector<device_address> lacking;
  for (auto& r : devices) {
    if (holds(g.key, r.device))
      g.envelopes[r.device] = "";
    else
      lacking.push_back(r);
  }
  for (auto& [dev, text] : d.seal(lacking, e2e::to_bytes(g.distribution))) {
    g.envelopes[dev] = std::move(text);
    g.distributed_to.insert(dev);
  }
}

} // namespace

sent_message send_group(device& d, const std::string& conversation,
                        const outgoing_message& m, const submit_fn& submit) {
  auto required = d.required_devices(d.server().members(conversation));
  group_attempt g;
  auto stored = d.store().own_sender_key(conversation);
  bool rotate = !stored;
  if (stored) {
    g.key = std::move(*stored);
    // A device that holds the key but is no longer required: a new key.
    for (auto holder : g.key.holders)
      rotate |= std::none_of(required.begin(), required.end(),
                             [&](auto& r) { return r.device == holder; });
  }
  encrypt_body(d, conversation, g, m.plaintext, rotate);
  address(d, g, required);
  for (int attempt = 0;; ++attempt) {
    json frame{{"type", "send"},    {"id", m.client_id}, {"conversation", conversation},
               {"body", g.body},   {"envelopes", envelopes_json(g.envelopes)}};
    if (!m.media.empty())
      frame["media"] = m.media;
    auto answer = submit(frame);
    if (is_ack(answer)) {
      for (auto dev : g.distributed_to)
        if (!holds(g.key, dev))
          g.key.holders.insert(std::upper_bound(g.key.holders.begin(), g.key.holders.end(), dev),
                               dev);
      d.store().transaction([&] { d.store().save_own_sender_key(conversation, g.key); });
      return {std::move(answer), g.envelopes.size(), g.key.key.key_id, conversation};
    }
    if (!is_stale(answer) || attempt == max_stale_retries)
      refuse(answer);
    auto stale = handle_stale(d, answer);
    bool held_by_extra = std::any_of(stale.extra.begin(), stale.extra.end(),
                                     [&](id64 dev) { return holds(g.key, dev); });
    drop_extra(required, g.envelopes, stale.extra);
    add_missing(required, stale.missing);
    if (held_by_extra) {
      // The key reached a device that left: every device gets a new one
      // and the body is encrypted again (E2E.md §11).
      encrypt_body(d, conversation, g, m.plaintext, true);
      g.envelopes.clear();
      g.distributed_to.clear();
      address(d, g, required);
    } else {
      address(d, g, stale.missing);
    }
  }
}

} // namespace parley::e2e_client
