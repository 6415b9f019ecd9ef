"""Attacks on accounts through a real parleyd: password guessing, sign-up
floods, and the X-Forwarded-For header of a proxy that is not trusted."""
import time

import pytest

from harness import PASSWORD, Parleyd, http, new_user, register, unique_name


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
