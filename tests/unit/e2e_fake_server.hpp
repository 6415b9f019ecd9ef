#pragma once
// A server in memory for the client engine's tests (app/e2e): the key
// directory (claims included), device listings, group members, and sends
// checked against the required devices as E2E.md §9 says, each message
// delivered to every required device's inbox with only its own envelope.
// Small and strict, so that the engine's tests run without a network.
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/e2e/directory.hpp"
#include "app/e2e/outgoing.hpp"
#include "wire/e2e/bytes.hpp"

namespace parley::test {

using nlohmann::json;
using e2e_client::device_address;

struct fake_server {
  struct device_keys {
    id64 user = 0;
    json identity; // identity_key, identity_dh, identity_sig
    json signed_prekey;
    std::deque<json> prekeys; // unclaimed
  };
  std::map<id64, device_keys> devices; // by device id
  std::map<std::string, std::vector<id64>> groups;
  std::map<id64, std::deque<json>> inbox; // by device id
  std::int64_t next_seq = 1;
  int sends_seen = 0;

  std::vector<id64> current_of(id64 user) const {
    std::vector<id64> out;
    for (auto& [dev, k] : devices)
      if (k.user == user)
        out.push_back(dev);
    return out;
  }

  void revoke(id64 device) {
    revoked_owners[device] = devices.at(device).user;
    devices.erase(device);
    inbox.erase(device);
  }

  json submit(const device_address& sender, const json& frame) {
    ++sends_seen;
    std::vector<id64> members;
    std::string conv;
    if (frame.contains("to")) {
      auto to = *parse_id(frame["to"].get<std::string>());
      members = {sender.user, to};
      conv = "c" + std::to_string(std::min(sender.user, to)) + "-"
             + std::to_string(std::max(sender.user, to));
    } else {
      conv = frame["conversation"].get<std::string>();
      members = groups.at(conv);
    }
    std::set<id64> required, given;
    for (auto m : members)
      for (auto dev : current_of(m))
        if (dev != sender.device)
          required.insert(dev);
    for (auto& [key, value] : frame["envelopes"].items())
      given.insert(*parse_id(key));
    if (required != given) {
      json missing = json::array(), extra = json::array(), owners = json::object();
      for (auto dev : required)
        if (!given.count(dev)) {
          missing.push_back(std::to_string(dev));
          owners[std::to_string(dev)] = std::to_string(devices.at(dev).user);
        }
      for (auto dev : given)
        if (!required.count(dev))
          extra.push_back(std::to_string(dev));
      for (auto& [dev, user] : revoked_owners)
        if (given.count(dev) && !required.count(dev))
          owners[std::to_string(dev)] = std::to_string(user);
      return {{"type", "error"}, {"code", "stale_devices"}, {"ref", frame["id"]},
              {"missing", missing}, {"extra", extra}, {"owners", owners}};
    }
    auto seq = next_seq++;
    auto msg_id = "m" + std::to_string(seq);
    for (auto dev : required) {
      json m{{"type", "message"}, {"msg_id", msg_id}, {"conversation", conv}, {"seq", seq},
             {"from", std::to_string(sender.user)}, {"from_device", std::to_string(sender.device)},
             {"ts", 1000 + seq}};
      if (frame.contains("body"))
        m["body"] = frame["body"];
      auto env = frame["envelopes"][std::to_string(dev)].get<std::string>();
      if (!env.empty())
        m["envelope"] = env;
      inbox[dev].push_back(m);
    }
    return {{"type", "ack"}, {"id", frame["id"]}, {"msg_id", msg_id}, {"conversation", conv},
            {"seq", seq}, {"ts", 1000 + seq}};
  }

  std::map<id64, id64> revoked_owners; // device -> user, for `owners`
};

// One device's view of the fake server.
class fake_directory final : public e2e_client::directory {
public:
  fake_directory(fake_server& s, id64 user, id64 device) : s_(s), user_(user), device_(device) {}

  std::vector<e2e_client::fetched_bundle> bundles(id64 user,
                                                  const std::vector<id64>& only) override {
    json answer{{"user_id", std::to_string(user)}, {"devices", json::array()}};
    for (auto& [dev, k] : s_.devices) {
      if (k.user != user || dev == device_
          || (!only.empty() && std::find(only.begin(), only.end(), dev) == only.end()))
        continue;
      json b = k.identity;
      b["device_id"] = std::to_string(dev);
      b["signed_prekey"] = k.signed_prekey;
      b["one_time_prekey"] = nullptr;
      if (!k.prekeys.empty()) {
        b["one_time_prekey"] = k.prekeys.front();
        k.prekeys.pop_front();
      }
      answer["devices"].push_back(b);
    }
    return e2e_client::parse_bundles(answer);
  }

  std::vector<e2e_client::listed_device> devices(id64 user) override {
    json answer{{"devices", json::array()}};
    for (auto& [dev, k] : s_.devices)
      if (k.user == user) {
        json d = k.identity;
        d["device_id"] = std::to_string(dev);
        answer["devices"].push_back(d);
      }
    return e2e_client::parse_listing(answer);
  }

  e2e_client::key_status status() override {
    auto it = s_.devices.find(device_);
    if (it == s_.devices.end())
      return {0, std::nullopt};
    return {it->second.prekeys.size(), it->second.signed_prekey["id"].get<std::uint32_t>()};
  }

  std::size_t publish(const std::string& body) override {
    if (refuse_uploads)
      throw e2e_client::directory_error("unavailable", "the database is down");
    auto j = json::parse(body);
    auto& k = s_.devices[device_];
    k.user = user_;
    if (j.contains("identity_key"))
      k.identity = {{"identity_key", j["identity_key"]}, {"identity_dh", j["identity_dh"]},
                    {"identity_sig", j["identity_sig"]}};
    if (j.contains("signed_prekey"))
      k.signed_prekey = j["signed_prekey"];
    for (auto& p : j.value("one_time_prekeys", json::array()))
      k.prekeys.push_back(p);
    return k.prekeys.size();
  }

  std::vector<id64> members(const std::string& conversation) override {
    return s_.groups.at(conversation);
  }

  e2e_client::submit_fn submitter() {
    return [this](const json& frame) { return s_.submit({user_, device_}, frame); };
  }

  bool refuse_uploads = false; // PUT /v1/keys fails, as with the database down

private:
  fake_server& s_;
  id64 user_;
  id64 device_;
};

} // namespace parley::test
