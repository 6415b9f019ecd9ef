"""Offline push notifications through a real local HTTP push gateway:
coalesced per user and conversation per window with a count, the device
tokens in the payload and never the body, retries with backoff after a
gateway failure, refusals (4xx) not retried, and a dead or slow gateway
never slowing message delivery."""
import asyncio
import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness import PARLEYD, Client, Parleyd, free_port, http, login, metric, new_user, run

WINDOW_MS = 2000


class Gateway:
    """A push gateway: records every POST; `answer(payload, attempt)` decides
    the status and how long to take."""

    def __init__(self, tls=None):
        self.requests = []  # (monotonic time, payload, raw body, path, headers)
        self.lock = threading.Lock()
        self.answer = lambda payload, attempt: (200, 0)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(raw)
                with gateway.lock:
                    gateway.requests.append((time.monotonic(), payload, raw, self.path,
                                             dict(self.headers)))
                    attempt = sum(1 for r in gateway.requests
                                  if r[1].get("msg_id") == payload.get("msg_id")
                                  and r[1]["user_id"] == payload["user_id"])
                status, delay = gateway.answer(payload, attempt)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # parleyd gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls:  # an ssl.SSLContext: the gateway speaks HTTPS
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/push"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def for_user(self, user_id):
        with self.lock:
            return [r[1] for r in self.requests if r[1]["user_id"] == user_id]

    def wait_for(self, user_id, count, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.for_user(user_id)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"gateway got {len(self.for_user(user_id))} of {count} "
                             f"notifications for {user_id}")

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def gateway():
    g = Gateway()
    yield g
    g.close()


@pytest.fixture(scope="module")
def pushing(pg, gateway):
    n = Parleyd(pg.url, extra=["--push-webhook", gateway.url,
                               "--push-window-ms", str(WINDOW_MS)])
    yield n
    assert n.stop() == 0


@pytest.fixture(autouse=True)
def gateway_accepts(gateway):
    gateway.answer = lambda payload, attempt: (200, 0)


def send_burst(node, sender, to, bodies):
    async def main():
        c = await Client.connect(node, sender["token"])
        acks = [await c.send_message(f"m{i}", body, to=to) for i, body in enumerate(bodies)]
        await c.close()
        return acks
    return run(main())


def test_bad_webhook_url_refused_at_start(pg):
    for url in ["ftp://127.0.0.1/push", "http://", "http://host:99999/", "not a url"]:
        r = subprocess.run([PARLEYD, "--db", pg.url, "--listen", f"127.0.0.1:{free_port()}",
                            "--push-webhook", url], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, (url, r.stderr)
        assert "--push-webhook must be an http(s)://" in r.stderr + r.stdout


def test_push_token_registration_bad_input(pushing):
    bob = new_user(pushing.base)
    path = "/v1/devices/current/push"
    for body, code in [({}, "missing_field"), ({"token": ""}, "invalid_field"),
                       ({"token": 42}, "invalid_field"), ({"token": "a\nb"}, "invalid_field"),
                       ({"token": "x" * 4097}, "invalid_field")]:
        status, answer = http(pushing.base, "PUT", path, body, token=bob["token"])
        assert (status, answer["code"]) == (400, code), body
    status, answer = http(pushing.base, "PUT", path, raw=b"{not json", token=bob["token"])
    assert status == 400
    assert http(pushing.base, "PUT", path, {"token": "t"})[0] == 401
    assert http(pushing.base, "PUT", path, {"token": "t"}, token="bogus")[0] == 401
    assert http(pushing.base, "POST", path, {"token": "t"}, token=bob["token"])[0] == 405
    assert http(pushing.base, "PUT", path, {"token": "t"}, token=bob["token"])[0] == 204
    assert http(pushing.base, "DELETE", path, token=bob["token"])[0] == 204


def test_offline_user_gets_one_coalesced_notification_per_window(pushing, gateway):
    alice, bob = new_user(pushing.base), new_user(pushing.base)
    bob_phone = login(pushing.base, bob["name"])  # a second device, with a token
    bob_old = login(pushing.base, bob["name"])    # logged out: its token is never used
    put = lambda who, t: http(pushing.base, "PUT", "/v1/devices/current/push",
                              {"token": t}, token=who["token"])
    assert put(bob, "tok-laptop")[0] == 204
    assert put(bob_phone, "tok-phone")[0] == 204
    assert put(bob_old, "tok-old")[0] == 204
    assert http(pushing.base, "DELETE", "/v1/sessions/current", token=bob_old["token"])[0] \
        in (200, 204)
    sent_before = metric(pushing.base, "parley_push_sent_total")

    secret = "the secret body never leaves parleyd"
    acks = send_burst(pushing, alice, bob["user_id"], [secret + str(i) for i in range(3)])
    gateway.wait_for(bob["user_id"], 1, timeout=5)
    time.sleep(0.5)
    got = gateway.for_user(bob["user_id"])
    assert len(got) == 1, "a burst becomes one notification"
    note = dict(got[0])
    assert sorted(note.pop("tokens")) == ["tok-laptop", "tok-phone"]
    assert note == {"user_id": bob["user_id"], "conversation": acks[-1]["conversation"],
                    "msg_id": acks[-1]["msg_id"], "seq": acks[-1]["seq"],
                    "from": alice["user_id"], "ts": acks[-1]["ts"], "count": 3}
    raw = [r[2] for r in gateway.requests if r[1]["user_id"] == bob["user_id"]][0]
    assert b"secret" not in raw and b"body" not in raw
    assert [r[3] for r in gateway.requests if r[1]["user_id"] == bob["user_id"]] == ["/push"]
    assert not gateway.for_user(alice["user_id"]), "the sender is never notified"

    # Within the window more messages are held and counted; at its end one
    # notification carries them.
    acks2 = send_burst(pushing, alice, bob["user_id"], ["again", "and again"])
    time.sleep(WINDOW_MS / 1000 * 0.6)
    assert len(gateway.for_user(bob["user_id"])) == 1, "at most one per window"
    second = gateway.wait_for(bob["user_id"], 2, timeout=WINDOW_MS / 1000 + 3)[1]
    assert (second["count"], second["msg_id"]) == (2, acks2[-1]["msg_id"])
    time.sleep(WINDOW_MS / 1000 + 0.5)
    assert len(gateway.for_user(bob["user_id"])) == 2, "nothing new, nothing sent"
    assert metric(pushing.base, "parley_push_sent_total") >= sent_before + 2
    assert metric(pushing.base, "parley_push_coalesced_total") >= 3


def test_no_notification_while_a_device_is_live(pushing, gateway):
    alice, bob = new_user(pushing.base), new_user(pushing.base)
    alice_tablet = login(pushing.base, alice["name"])  # offline: no push for own sends

    async def main():
        b = await Client.connect(pushing, bob["token"])
        a = await Client.connect(pushing, alice["token"])
        await a.send_message("live", "hi", to=bob["user_id"])
        await b.expect("message")
        await b.close()
        await a.close()
    run(main())
    # A long-polling device is live too.
    carol = new_user(pushing.base)
    poll = threading.Thread(target=http, args=(pushing.base, "GET", "/v1/poll?timeout=5"),
                            kwargs={"token": carol["token"]})
    poll.start()
    time.sleep(0.5)
    send_burst(pushing, alice, carol["user_id"], ["while polling"])
    poll.join()
    time.sleep(1.5)
    assert not gateway.for_user(bob["user_id"])
    assert not gateway.for_user(carol["user_id"])
    assert not gateway.for_user(alice["user_id"])


def test_a_member_with_no_live_device_is_pushed_a_new_group(pushing, gateway):
    # Being put in a group is its first message (seq 1): pushed like one,
    # to members with no live device, never to its creator.
    alice, bob, carol = (new_user(pushing.base) for _ in range(3))
    assert http(pushing.base, "PUT", "/v1/devices/current/push", {"token": "tok-bob"},
                token=bob["token"])[0] == 204

    async def main():
        c = await Client.connect(pushing, carol["token"])
        status, group = http(pushing.base, "POST", "/v1/conversations",
                             {"title": "trip", "members": [bob["user_id"], carol["user_id"]]},
                             token=alice["token"])
        assert status == 201, group
        await c.expect("message", where=lambda f: f["seq"] == 1)
        await c.close()
        return group
    group = run(main())
    got = gateway.wait_for(bob["user_id"], 1, timeout=5)
    assert (got[0]["conversation"], got[0]["seq"], got[0]["from"], got[0]["tokens"]) == \
        (group["conversation_id"], 1, alice["user_id"], ["tok-bob"])
    time.sleep(0.5)
    assert not gateway.for_user(carol["user_id"]), "carol was live"
    assert not gateway.for_user(alice["user_id"]), "the creator is never notified"


def test_gateway_failure_is_retried_with_backoff(pushing, gateway):
    alice, bob = new_user(pushing.base), new_user(pushing.base)
    gateway.answer = lambda p, attempt: (500 if attempt <= 2 else 200, 0)
    retries = metric(pushing.base, "parley_push_retries_total")
    acks = send_burst(pushing, alice, bob["user_id"], ["retry me"])
    got = gateway.wait_for(bob["user_id"], 3, timeout=10)
    time.sleep(1.5)
    got = gateway.for_user(bob["user_id"])
    assert len(got) == 3, "two failures, then delivered once: no more"
    assert all(p["msg_id"] == acks[0]["msg_id"] for p in got)
    times = [r[0] for r in gateway.requests if r[1]["user_id"] == bob["user_id"]]
    assert times[1] - times[0] >= 0.4 and times[2] - times[1] >= 0.9, \
        "backoff doubles (0.5 s, then 1 s)"
    assert metric(pushing.base, "parley_push_retries_total") == retries + 2


def test_refused_notification_is_logged_not_retried(pushing, gateway):
    alice, bob = new_user(pushing.base), new_user(pushing.base)
    gateway.answer = lambda p, attempt: (400, 0)
    failed = metric(pushing.base, "parley_push_failed_total")
    send_burst(pushing, alice, bob["user_id"], ["refused"])
    gateway.wait_for(bob["user_id"], 1)
    time.sleep(2)
    assert len(gateway.for_user(bob["user_id"])) == 1
    assert metric(pushing.base, "parley_push_failed_total") == failed + 1
    assert "push gateway refused the notification" in pushing.read_log()


def test_slow_gateway_never_slows_delivery(pushing, gateway):
    """The gateway takes 10 s per request (past the POST timeout): every
    notification waits for it, messages do not."""
    gateway.answer = lambda p, attempt: (200, 10)
    alice, carol = new_user(pushing.base), new_user(pushing.base)
    offline = [new_user(pushing.base) for _ in range(12)]

    async def main():
        a = await Client.connect(pushing, alice["token"])
        c = await Client.connect(pushing, carol["token"])
        for i, user in enumerate(offline):  # 12 notifications, 4 senders busy
            await a.send_message(f"o{i}", "wake up", to=user["user_id"])
        await asyncio.sleep(1.5)  # the notifications are now stuck at the gateway
        started = time.monotonic()
        for i in range(20):
            await a.send_message(f"c{i}", f"live {i}", to=carol["user_id"])
        frames = await c.collect("message", 20, timeout=5)
        elapsed = time.monotonic() - started
        await a.close()
        await c.close()
        return frames, elapsed
    frames, elapsed = run(main())
    assert [f["body"] for f in frames] == [f"live {i}" for i in range(20)]
    assert elapsed < 2, f"20 acked and delivered messages took {elapsed:.1f}s"


def test_dead_gateway_never_slows_delivery(pg):
    dead = f"http://127.0.0.1:{free_port()}/push"  # nothing listens there
    node = Parleyd(pg.url, extra=["--push-webhook", dead, "--push-window-ms", "500"])
    try:
        alice, bob = new_user(node.base), new_user(node.base)
        started = time.monotonic()
        acks = send_burst(node, alice, bob["user_id"], [f"m{i}" for i in range(50)])
        assert all(a["type"] == "ack" for a in acks)
        assert time.monotonic() - started < 3
        # Retried with backoff (0.5+1+2+4 s), then given up and counted.
        deadline = time.monotonic() + 15
        while metric(node.base, "parley_push_failed_total") < 1:
            assert time.monotonic() < deadline, "the notification was never given up"
            time.sleep(0.2)
        assert metric(node.base, "parley_push_retries_total") == 4
        assert metric(node.base, "parley_push_sent_total") == 0
        assert "given up after 5 attempts" in node.read_log()
    finally:
        assert node.stop() == 0
