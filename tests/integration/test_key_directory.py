"""The key directory of ../shared/E2E.md §4 against a real parleyd and
PostgreSQL: every check of PUT /v1/keys in its order, claims (each one-time
prekey handed out once, even to concurrent claimers), the device listing,
keys_low, the claim budget and logout deleting a device's keys."""
import concurrent.futures
import subprocess

from e2e_keys import DeviceKeys, b64, publish
from harness import PARLEYD, Client, Parleyd, http, login, new_user, run


def put(node, token, body, raw=None):
    return http(node.base, "PUT", "/v1/keys", body, token=token, raw=raw)


def claim(node, token, user, devices=None):
    path = f"/v1/keys/{user}" + (f"?devices={devices}" if devices is not None else "")
    return http(node.base, "GET", path, token=token)


def code(answer):
    return answer[0], answer[1]["code"]


def test_first_upload_checks_in_order(node):
    u = new_user(node.base)
    k = DeviceKeys(prekeys=3)
    body = k.first_upload()
    t = u["token"]
    assert code(put(node, t, None, raw=b"[1]")) == (400, "invalid_json")
    assert code(put(node, t, {**body, "identity_key": 7})) == (400, "invalid_field")
    assert code(put(node, t, {**body, "signed_prekey": {"id": -1, "key": "", "sig": ""}})) \
        == (400, "invalid_field")
    assert code(put(node, t, {**body, "signed_prekey": {**k.signed_prekey(), "id": 2**32}})) \
        == (400, "invalid_field")
    dup = [{"id": 1, "key": body["one_time_prekeys"][0]["key"]}] * 2
    assert code(put(node, t, {**body, "one_time_prekeys": dup})) == (400, "invalid_field")
    partial = {k_: v for k_, v in body.items() if k_ != "identity_sig"}
    assert code(put(node, t, partial)) == (400, "missing_field")
    no_spk = {k_: v for k_, v in body.items() if k_ != "signed_prekey"}
    assert code(put(node, t, no_spk)) == (400, "missing_field")
    assert code(put(node, t, {"one_time_prekeys": []})) == (400, "missing_field")
    many = k.make_prekeys(101)
    # too_many_prekeys comes before bad_key: an oversized call with a bad key
    assert code(put(node, t, {**body, "identity_key": "AAAA", "one_time_prekeys": many})) \
        == (400, "too_many_prekeys")
    assert code(put(node, t, {**body, "identity_dh": b64(b"\1" * 31)})) == (400, "bad_key")
    assert code(put(node, t, {**body, "identity_key": b64(b"\1" * 32) + "x"})) \
        == (400, "bad_key")
    # strict B64: non-zero unused bits are refused
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    good = body["one_time_prekeys"][0]["key"]
    sloppy = good[:-2] + alphabet[alphabet.index(good[-2]) ^ 1] + "="  # an unused bit set
    assert code(put(node, t, {**body, "one_time_prekeys": [{"id": 1, "key": sloppy}]})) \
        == (400, "bad_key")
    assert code(put(node, t, {**body, "identity_sig": b64(b"\0" * 63)})) \
        == (400, "bad_signature")
    assert code(put(node, t, {**body, "identity_sig": b64(b"\0" * 64)})) \
        == (400, "bad_signature")
    other = DeviceKeys(prekeys=0)
    assert code(put(node, t, {**body, "signed_prekey": other.signed_prekey()})) \
        == (400, "bad_signature")
    # nothing of the refused calls was stored
    status, mine = http(node.base, "GET", "/v1/keys", token=t)
    assert (status, mine) == (200, {"one_time_prekeys": 0, "signed_prekey_id": None})
    status, done = put(node, t, body)
    assert (status, done) == (200, {"one_time_prekeys": 3})
    status, mine = http(node.base, "GET", "/v1/keys", token=t)
    assert (status, mine) == (200, {"one_time_prekeys": 3, "signed_prekey_id": 1})


def test_later_uploads(node):
    u = new_user(node.base)
    k = publish(node.base, http, u["token"], DeviceKeys(prekeys=5))
    t = u["token"]
    # a retried call changes nothing
    assert put(node, t, k.first_upload()) == (200, {"one_time_prekeys": 5})
    # more prekeys without the identity
    assert put(node, t, {"one_time_prekeys": k.make_prekeys(2)}) == (200, {"one_time_prekeys": 7})
    # a new identity for the same device
    stranger = DeviceKeys(prekeys=0)
    assert code(put(node, t, {**stranger.identity(), "signed_prekey": stranger.signed_prekey()})) \
        == (409, "identity_mismatch")
    # a prekey id again with another key
    fresh = DeviceKeys(prekeys=1).first_upload()["one_time_prekeys"][0]
    assert code(put(node, t, {"one_time_prekeys": [{"id": 1, "key": fresh["key"]}]})) \
        == (409, "prekey_id_reused")
    # the current signed prekey's id with another key
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    assert code(put(node, t, {"signed_prekey": k.signed_prekey(1, X25519PrivateKey.generate())})) \
        == (409, "prekey_id_reused")
    # a new signed prekey (a new id) replaces it
    assert put(node, t, {"signed_prekey": k.signed_prekey(2, X25519PrivateKey.generate())})[0] \
        == 200
    assert http(node.base, "GET", "/v1/keys", token=t)[1]["signed_prekey_id"] == 2
    # at most 1,000 unclaimed
    for _ in range(9):
        assert put(node, t, {"one_time_prekeys": k.make_prekeys(100)})[0] == 200
    assert code(put(node, t, {"one_time_prekeys": k.make_prekeys(94)})) \
        == (400, "too_many_prekeys")
    assert put(node, t, {"one_time_prekeys": k.make_prekeys(93)}) \
        == (200, {"one_time_prekeys": 1000})


def two_device_user(node, prekeys=3):
    a = new_user(node.base)
    second = login(node.base, a["name"])
    ka = publish(node.base, http, a["token"], DeviceKeys(prekeys=prekeys))
    kb = publish(node.base, http, second["token"], DeviceKeys(prekeys=prekeys))
    return a, second, ka, kb


def test_claims_hand_out_each_prekey_once(node):
    owner, second, ka, kb = two_device_user(node, prekeys=2)
    asker = new_user(node.base)
    devices = sorted([owner["device_id"], second["device_id"]], key=int)
    seen = set()
    for round_ in range(3):
        status, got = claim(node, asker["token"], owner["user_id"])
        assert status == 200
        assert got["user_id"] == owner["user_id"]
        assert [d["device_id"] for d in got["devices"]] == devices
        for d in got["devices"]:
            keys = ka if d["device_id"] == owner["device_id"] else kb
            assert (d["identity_key"], d["identity_dh"], d["identity_sig"]) == \
                (keys.identity_key, keys.identity_dh, keys.identity_sig)
            assert d["signed_prekey"] == keys.signed_prekey()
            opk = d["one_time_prekey"]
            if round_ < 2:
                assert opk["id"] == round_ + 1
                assert (d["device_id"], opk["id"]) not in seen
                seen.add((d["device_id"], opk["id"]))
            else:
                assert opk is None
    # the owner's own device is left out of its own claim; others are not
    status, own = claim(node, owner["token"], owner["user_id"])
    assert [d["device_id"] for d in own["devices"]] == [second["device_id"]]
    # ?devices= narrows; ids that are not its devices are left out
    status, one = claim(node, asker["token"], owner["user_id"],
                        f"{second['device_id']},{asker['device_id']},12345")
    assert status == 200 and [d["device_id"] for d in one["devices"]] == [second["device_id"]]
    status, encoded = claim(node, asker["token"], owner["user_id"],
                            f"{second['device_id']}%2C{owner['device_id']}")
    assert status == 200 and len(encoded["devices"]) == 2
    assert code(claim(node, asker["token"], owner["user_id"], "1,x")) == (400, "invalid_parameter")
    assert code(claim(node, asker["token"], owner["user_id"], "")) == (400, "invalid_parameter")
    assert code(claim(node, asker["token"], "abc")) == (400, "invalid_parameter")
    assert code(claim(node, asker["token"], "999999")) == (404, "no_such_user")
    assert http(node.base, "GET", f"/v1/keys/{owner['user_id']}")[0] == 401


def test_concurrent_claims_get_distinct_prekeys(pg, node):
    """20 concurrent claims of a device with 5 one-time prekeys, through two
    nodes (four database connections): 5 distinct prekeys and 15 nulls,
    in each of several rounds."""
    other = Parleyd(pg.url, node_id=2)
    try:
        askers = [new_user(node.base) for _ in range(20)]
        for _ in range(5):
            owner = new_user(node.base)
            publish(node.base, http, owner["token"], DeviceKeys(prekeys=5))
            with concurrent.futures.ThreadPoolExecutor(20) as pool:
                answers = list(pool.map(
                    lambda i: claim((node, other)[i % 2], askers[i]["token"], owner["user_id"]),
                    range(20)))
            assert all(status == 200 for status, _ in answers)
            prekeys = [body["devices"][0]["one_time_prekey"] for _, body in answers]
            given = [p["id"] for p in prekeys if p is not None]
            assert sorted(given) == [1, 2, 3, 4, 5]
            assert prekeys.count(None) == 15
            rows = pg.query("SELECT count(*) FROM one_time_prekeys"
                            " WHERE device_id = %s AND claimed_at IS NOT NULL",
                            int(owner["device_id"]))
            assert rows[0][0] == 5
    finally:
        other.stop()


def test_device_listing_claims_nothing(node):
    owner, second, ka, kb = two_device_user(node, prekeys=1)
    unpublished = login(node.base, owner["name"])  # signed in, no keys: not listed
    asker = new_user(node.base)
    status, listing = http(node.base, "GET", f"/v1/users/{owner['user_id']}/devices",
                           token=asker["token"])
    assert status == 200
    assert listing == {"devices": sorted([
        {"device_id": owner["device_id"], "identity_key": ka.identity_key,
         "identity_dh": ka.identity_dh, "identity_sig": ka.identity_sig},
        {"device_id": second["device_id"], "identity_key": kb.identity_key,
         "identity_dh": kb.identity_dh, "identity_sig": kb.identity_sig}],
        key=lambda d: int(d["device_id"]))}
    assert unpublished["device_id"] not in [d["device_id"] for d in listing["devices"]]
    # the requester's own device is listed too
    status, own = http(node.base, "GET", f"/v1/users/{owner['user_id']}/devices",
                       token=owner["token"])
    assert len(own["devices"]) == 2
    assert http(node.base, "GET", "/v1/keys", token=owner["token"])[1]["one_time_prekeys"] == 1
    assert code(http(node.base, "GET", "/v1/users/999999/devices", token=asker["token"])) \
        == (404, "no_such_user")


def test_logout_deletes_the_devices_keys(pg, node):
    owner, second, ka, kb = two_device_user(node, prekeys=2)
    asker = new_user(node.base)
    assert http(node.base, "DELETE", "/v1/sessions/current", token=second["token"])[0] == 204
    status, got = claim(node, asker["token"], owner["user_id"])
    assert [d["device_id"] for d in got["devices"]] == [owner["device_id"]]
    rows = pg.query("SELECT count(*) FROM one_time_prekeys WHERE device_id = %s",
                         int(second["device_id"]))
    assert rows[0][0] == 0
    # a later login of that device has no keys until it publishes again
    again = login(node.base, owner["name"], device_id=second["device_id"])
    assert http(node.base, "GET", "/v1/keys", token=again["token"])[1] == \
        {"one_time_prekeys": 0, "signed_prekey_id": None}
    fresh = publish(node.base, http, again["token"], DeviceKeys(prekeys=1))
    status, listing = http(node.base, "GET", f"/v1/users/{owner['user_id']}/devices",
                           token=asker["token"])
    ids = {d["device_id"]: d["identity_key"] for d in listing["devices"]}
    assert ids[second["device_id"]] == fresh.identity_key != kb.identity_key
    # removing a device from another one deletes its keys as well
    assert http(node.base, "DELETE", f"/v1/devices/{second['device_id']}",
                token=owner["token"])[0] == 204
    status, got = claim(node, asker["token"], owner["user_id"])
    assert [d["device_id"] for d in got["devices"]] == [owner["device_id"]]


def test_keys_low_reaches_the_device(node):
    owner = new_user(node.base)
    publish(node.base, http, owner["token"], DeviceKeys(prekeys=11))
    asker = new_user(node.base)

    async def scenario():
        ws = await Client.connect(node, owner["token"])
        assert await ws.quiet(0.5) == []  # 11 left: nothing said after ready
        assert claim(node, asker["token"], owner["user_id"])[0] == 200  # 10 left
        assert await ws.quiet(0.5) == []
        assert claim(node, asker["token"], owner["user_id"])[0] == 200  # 9 left
        low = await ws.expect("keys_low")
        assert low == {"type": "keys_low", "remaining": 9}
        await ws.close()
        again = await Client.connect(node, owner["token"])
        low = await again.expect("keys_low")
        assert low["remaining"] == 9
        await again.close()
    run(scenario())


def test_claims_are_rate_limited_per_requester(pg):
    node = Parleyd(pg.url, extra=["--key-claims-per-minute", "1000"])
    try:
        owner, second, _, _ = two_device_user(node, prekeys=0)
        asker, other = new_user(node.base), new_user(node.base)
        answers = [claim(node, asker["token"], owner["user_id"]) for _ in range(650)]
        assert [a[0] for a in answers[:500]] == [200] * 500  # 1,000 bundles a minute
        refused = [body for status, body in answers[500:] if status == 429]
        assert refused and refused[0]["code"] == "rate_limited"
        # another requester has a budget of its own
        assert claim(node, other["token"], owner["user_id"])[0] == 200
    finally:
        node.stop()
    refused = subprocess.run([PARLEYD, "--db", pg.url, "--key-claims-per-minute", "999"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "at least 1000" in refused.stderr, refused
