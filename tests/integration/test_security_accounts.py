"""Attacks on accounts through a real parleyd: password guessing, sign-up
floods, and the X-Forwarded-For header of a proxy that is not trusted."""
import time

import pytest

from harness import (PASSWORD, Client, Parleyd, http, login, new_user, register, run,
                     unique_name)


def login_as(node, name, password, headers=None):
    return http(node.base, "POST", "/v1/sessions", {"username": name, "password": password},
                headers=headers)


@pytest.fixture(scope="module")
def guarded(pg):
    # The per-address limits at their defaults (the harness turns them off).
    n = Parleyd(pg.url, extra=["--login-attempts-per-ip", "30", "--signups-per-ip", "20",
                               "--trusted-proxy", "127.0.0.1"])
    yield n
    assert n.stop() == 0


def test_guessing_a_password_is_throttled_while_others_log_in(guarded):
    alice, _ = register(guarded.base)
    bob, _ = register(guarded.base)
    proxy = {"X-Forwarded-For": "198.51.100.1"}  # a client of its own
    for i in range(5):
        status, body = login_as(guarded, alice, f"wrong guess {i}", proxy)
        assert status == 401, (i, status, body)
    status, body = login_as(guarded, alice, PASSWORD, proxy)  # even the right one
    assert status == 429, (status, body)
    assert body["code"] == "too_many_attempts"
    status, body = login_as(guarded, bob, PASSWORD, proxy)
    assert status == 200, (status, body)


def test_a_throttled_login_says_when_to_retry(guarded):
    name, _ = register(guarded.base)
    proxy = {"X-Forwarded-For": "198.51.100.2"}
    for i in range(5):
        login_as(guarded, name, "nope nope nope", proxy)
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", guarded.port, timeout=10)
    conn.request("POST", "/v1/sessions",
                 body=f'{{"username":"{name}","password":"x"}}',
                 headers={"Content-Type": "application/json", **proxy})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 429
    retry = int(resp.getheader("Retry-After"))
    assert 1 <= retry <= 180, retry  # one failure's worth of a 15-minute window


def test_one_address_gets_30_login_attempts_a_minute(guarded):
    proxy = {"X-Forwarded-For": "198.51.100.3"}
    statuses = [login_as(guarded, unique_name("ghost"), "whatever pass", proxy)[0]
                for _ in range(31)]
    assert statuses[:30] == [401] * 30, statuses
    assert statuses[30] == 429
    # Another client behind the same trusted proxy is not affected.
    name, _ = register(guarded.base)
    assert login_as(guarded, name, PASSWORD, {"X-Forwarded-For": "198.51.100.4"})[0] == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored(pg):
    n = Parleyd(pg.url, extra=["--login-attempts-per-ip", "3"])
    try:
        statuses = [login_as(n, unique_name("ghost"), "whatever pass",
                             {"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(4)]
        assert statuses == [401, 401, 401, 429], statuses
    finally:
        n.stop()


def test_sign_ups_per_address_are_limited(pg):
    n = Parleyd(pg.url, extra=["--signups-per-ip", "3"])
    try:
        statuses = [http(n.base, "POST", "/v1/users",
                         {"username": unique_name(), "password": PASSWORD})[0]
                    for _ in range(4)]
        assert statuses == [201, 201, 201, 429], statuses
    finally:
        n.stop()


def test_username_lookups_are_limited(pg):
    n = Parleyd(pg.url, extra=["--lookups-per-ip", "5"])
    try:
        me = new_user(n.base)
        statuses = [http(n.base, "GET", f"/v1/users/by-name/{unique_name('who')}",
                         token=me["token"])[0] for _ in range(6)]
        assert statuses == [404] * 5 + [429], statuses
    finally:
        n.stop()


# --- tokens and devices ----------------------------------------------------------

def test_an_unused_token_expires_and_use_renews_it(pg):
    ttl = 3.0  # seconds, as a fraction of a day
    n = Parleyd(pg.url, extra=["--token-ttl-days", str(ttl / 86400)])
    try:
        kept, dropped = new_user(n.base), new_user(n.base)
        for _ in range(5):  # used every 0.8 s: never idle for the TTL
            time.sleep(0.8)
            assert http(n.base, "GET", "/v1/conversations", token=kept["token"])[0] == 200
        status, body = http(n.base, "GET", "/v1/conversations", token=dropped["token"])
        assert status == 401 and body["code"] == "unauthorized", (status, body)

        async def refused():
            c = await Client.connect(n, auth=False)
            await c.send({"type": "auth", "token": dropped["token"]})
            err = await c.expect("error")
            assert err["code"] == "unauthorized"
            assert await c.expect_close() == 4401

        run(refused())
    finally:
        n.stop()


def test_devices_are_listed_and_another_one_is_revoked_live(guarded):
    name, user_id = register(guarded.base)
    phone = login(guarded.base, name)
    laptop = http(guarded.base, "POST", "/v1/sessions",
                  {"username": name, "password": PASSWORD, "device_name": "laptop"})[1]
    status, body = http(guarded.base, "GET", "/v1/devices", token=phone["token"])
    assert status == 200, body
    listed = {d["device_id"]: d for d in body["devices"]}
    assert set(listed) == {phone["device_id"], laptop["device_id"]}
    assert listed[laptop["device_id"]]["name"] == "laptop"
    assert listed[phone["device_id"]]["current"] is True
    assert listed[laptop["device_id"]]["current"] is False
    for d in listed.values():
        assert d["created_at"] > 0 and d["last_seen"] >= d["created_at"]

    async def go():
        open_laptop = await Client.connect(guarded, laptop["token"])
        status, _ = http(guarded.base, "DELETE", f"/v1/devices/{laptop['device_id']}",
                         token=phone["token"])
        assert status == 204
        assert await open_laptop.first(lambda f: f.get("type") == "error", 5,
                                       "unauthorized")
        assert await open_laptop.close_code(5) == 4401  # right after the error

    run(go())
    assert http(guarded.base, "GET", "/v1/devices", token=laptop["token"])[0] == 401
    status, body = http(guarded.base, "GET", "/v1/devices", token=phone["token"])
    assert [d["device_id"] for d in body["devices"]] == [phone["device_id"]]
    # A removed device cannot be signed in again by its id.
    status, _ = http(guarded.base, "POST", "/v1/sessions",
                     {"username": name, "password": PASSWORD,
                      "device_id": laptop["device_id"]})
    assert status == 401
    # Someone else's device is not yours to remove.
    other = new_user(guarded.base)
    status, body = http(guarded.base, "DELETE", f"/v1/devices/{phone['device_id']}",
                        token=other["token"])
    assert status == 404 and body["code"] == "no_such_device"


def test_changing_the_password_signs_out_every_other_device(guarded):
    name, _ = register(guarded.base)
    here, there = login(guarded.base, name), login(guarded.base, name)
    status, body = http(guarded.base, "POST", "/v1/me/password",
                        {"old_password": "not it at all", "new_password": "a brand new one"},
                        token=here["token"])
    assert status == 401, body
    status, body = http(guarded.base, "POST", "/v1/me/password",
                        {"old_password": PASSWORD, "new_password": "short"},
                        token=here["token"])
    assert status == 400 and body["code"] == "weak_password"
    status, body = http(guarded.base, "POST", "/v1/me/password",
                        {"old_password": PASSWORD, "new_password": "a brand new one"},
                        token=here["token"])
    assert status == 204, body
    assert http(guarded.base, "GET", "/v1/devices", token=there["token"])[0] == 401
    assert http(guarded.base, "GET", "/v1/devices", token=here["token"])[0] == 200
    assert login_as(guarded, name, PASSWORD)[0] == 401
    assert login_as(guarded, name, "a brand new one")[0] == 200


def test_a_user_has_at_most_max_devices(pg):
    n = Parleyd(pg.url, extra=["--max-devices-per-user", "3"])
    try:
        name, _ = register(n.base)
        first = login(n.base, name)
        login(n.base, name), login(n.base, name)
        status, body = login_as(n, name, PASSWORD)
        assert status == 409 and body["code"] == "too_many_devices", (status, body)
        # Signing in again as a device one already has is fine.
        status, again = http(n.base, "POST", "/v1/sessions",
                             {"username": name, "password": PASSWORD,
                              "device_id": first["device_id"]})
        assert status == 200
        # Once that device has logged out (both its tokens) there is room.
        for token in (first["token"], again["token"]):
            assert http(n.base, "DELETE", "/v1/sessions/current", token=token)[0] == 204
        assert login_as(n, name, PASSWORD)[0] == 200
    finally:
        n.stop()


def test_groups_a_user_creates_per_day_are_capped(pg):
    n = Parleyd(pg.url, extra=["--max-groups-per-day", "2"])
    try:
        alice, bob = new_user(n.base), new_user(n.base)
        statuses = [http(n.base, "POST", "/v1/conversations",
                         {"title": f"g{i}", "members": [bob["user_id"]]},
                         token=alice["token"]) for i in range(3)]
        assert [s for s, _ in statuses] == [201, 201, 429], statuses
        assert statuses[2][1]["code"] == "too_many_groups"
        # Someone else's budget is their own.
        status, _ = http(n.base, "POST", "/v1/conversations",
                         {"title": "b", "members": [alice["user_id"]]}, token=bob["token"])
        assert status == 201
    finally:
        n.stop()


def test_argon2_sheds_load_instead_of_queueing_and_others_are_served(pg):
    n = Parleyd(pg.url, extra=["--argon2-memory-kib", "65536", "--argon2-time-cost", "3",
                               "--hash-workers", "1", "--hash-queue", "4",
                               "--login-failures-per-user", "0"])
    try:
        me = new_user(n.base)  # signed up before the storm
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(40) as pool:
            storm = [pool.submit(login_as, n, unique_name("ghost"), "wrong password here")
                     for _ in range(40)]
            time.sleep(0.2)
            started = time.monotonic()
            status, _ = http(n.base, "GET", "/v1/conversations", token=me["token"])
            served_in = time.monotonic() - started
            results = [f.result() for f in storm]
        assert status == 200 and served_in < 1.0, served_in  # Argon2 is not in its way
        statuses = sorted(s for s, _ in results)
        assert set(statuses) <= {401, 503}, statuses
        shed = [b for s, b in results if s == 503]
        assert shed and all(b["code"] == "unavailable" for b in shed), statuses
        assert statuses.count(401) >= 4
    finally:
        n.stop()
