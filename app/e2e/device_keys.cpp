#include "app/e2e/device_keys.hpp"

namespace parley::e2e_client {

namespace {

// The id of the signed prekey the server last accepted.
constexpr const char* published_key = "signed_prekey_published";

e2e::published_prekey signed_prekey_of(const e2e::identity& id, std::uint32_t spk_id,
                                       const key_pair& spk) {
  auto sig = e2e::ed25519_sign(id.ik.priv, e2e::signed_prekey_sig_message(spk_id, spk.pub));
  if (!sig)
    throw state_error("cannot sign the signed prekey");
  return {spk_id, e2e::b64(spk.pub), e2e::b64(*sig)};
}

} // namespace

std::size_t publish_new_keys(state_store& store, directory& dir, std::int64_t now_ms) {
  std::string body;
  store.transaction([&] {
    e2e::identity id{e2e::ed25519_generate(), e2e::x25519_generate()};
    auto id_sig = e2e::ed25519_sign(id.ik.priv, e2e::identity_sig_message(id.ikdh.pub));
    if (!id_sig)
      throw state_error("cannot sign the identity");
    store.save_identity(id);
    auto spk = e2e::x25519_generate();
    store.add_signed_prekey(1, spk, now_ms);
    auto prekeys = store.make_one_time_prekeys(one_time_prekeys_kept);
    body = e2e::upload_json(
      e2e::published_identity{e2e::b64(id.ik.pub), e2e::b64(id.ikdh.pub), e2e::b64(*id_sig)},
      signed_prekey_of(id, 1, spk), prekeys);
  });
  auto count = dir.publish(body);
  store.transaction([&] { store.set(published_key, "1"); });
  return count;
}

std::size_t replenish_prekeys(state_store& store, directory& dir) {
  auto status = dir.status();
  if (status.unclaimed >= one_time_prekeys_kept)
    return status.unclaimed;
  std::vector<e2e::published_prekey> fresh;
  store.transaction(
    [&] { fresh = store.make_one_time_prekeys(one_time_prekeys_kept - status.unclaimed); });
  return dir.publish(e2e::upload_json(std::nullopt, std::nullopt, fresh));
}

bool rotate_signed_prekey(state_store& store, directory& dir, std::int64_t now_ms) {
  std::string body;
  std::uint32_t upload_id = 0;
  bool rotated = false;
  store.transaction([&] {
    auto current = store.current_signed_prekey();
    auto id = store.own_identity();
    if (!current || !id)
      return;
    if (now_ms - current->second >= signed_prekey_life_ms) {
      current->first += 1;
      store.add_signed_prekey(current->first, e2e::x25519_generate(), now_ms);
      store.drop_signed_prekeys_replaced_before(now_ms - replaced_prekey_kept_ms);
      rotated = true;
    }
    // A replacement whose upload failed is uploaded again by the next
    // command, not a week later.
    if (store.get(published_key) == std::to_string(current->first))
      return;
    auto spk = store.signed_prekey(current->first);
    if (!spk)
      return;
    upload_id = current->first;
    body = e2e::upload_json(std::nullopt, signed_prekey_of(*id, upload_id, *spk), {});
  });
  if (body.empty())
    return rotated;
  dir.publish(body);
  store.transaction([&] { store.set(published_key, std::to_string(upload_id)); });
  return true;
}

} // namespace parley::e2e_client
