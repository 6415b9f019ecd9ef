"""Presence: online/offline, last seen (with restarts), privacy with
reciprocity, the idle limit, typing, and presence actors that die."""
import asyncio
import time

import pytest
import websockets

from harness import Client, Parleyd, http, metric, new_user, run

IDLE_S = 2
FLUSH_MS = 300


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url, extra=["--enable-fault-injection", "--idle-timeout", str(IDLE_S),
                               "--last-seen-flush-ms", str(FLUSH_MS)])
    yield n
    assert n.stop() == 0


def now_ms():
    return int(time.time() * 1000)


async def presence_of(client, user, timeout=5.0):
    return await client.expect("presence", timeout, where=lambda f: f["user"] == user)


def pinging(*clients, every=0.5):
    """Keeps `clients` alive under the short idle limit until cancelled."""
    async def loop():
        while True:
            for c in clients:
                await c.send({"type": "ping"})
            await asyncio.sleep(every)
    return asyncio.ensure_future(loop())


async def keep_alive(client, seconds):
    """Pings for `seconds` (a live client under an idle limit)."""
    alive = pinging(client, every=0.3)
    await asyncio.sleep(seconds)
    alive.cancel()


def set_privacy(node, user, setting):
    status, body = http(node.base, "PUT", "/v1/me/privacy", {"last_seen": setting},
                        token=user["token"])
    assert status == 200 and body == {"last_seen": setting}, (status, body)


def test_presence_follows_sessions(node):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        await a.send({"type": "presence.subscribe", "users": [bob["user_id"]]})
        first = await presence_of(a, bob["user_id"])
        assert first == {"type": "presence", "user": bob["user_id"], "online": False,
                         "last_seen": None}, "never seen: offline, last_seen null"

        b1 = await Client.connect(node, bob["token"])
        assert (await presence_of(a, bob["user_id"]))["online"] is True
        # A second device changes nothing; closing one of two changes nothing.
        bob2_token = http(node.base, "POST", "/v1/sessions",
                          {"username": bob["name"], "password": "correct horse battery"})[1]
        b2 = await Client.connect(node, bob2_token["token"])
        await b1.close()
        assert not [f for f in await a.quiet(0.5) if f["type"] == "presence"]
        before = now_ms()
        await b2.send({"type": "ping"})
        await b2.expect("pong")
        await b2.close()
        gone = await presence_of(a, bob["user_id"])
        assert gone["online"] is False
        assert before - 50 <= gone["last_seen"] <= now_ms(), gone
        # Unsubscribed: no more frames.
        await a.send({"type": "presence.unsubscribe", "users": [bob["user_id"]]})
        await a.send({"type": "ping"})
        await a.expect("pong")
        b3 = await Client.connect(node, bob["token"])
        assert not [f for f in await a.quiet(0.7) if f["type"] == "presence"]
        for c in (a, b3):
            await c.close()

    run(main())


def test_silent_client_is_closed_after_the_idle_limit(node):
    alice, bob, carol, dave = (new_user(node.base) for _ in range(4))

    async def main():
        a = await Client.connect(node, alice["token"])
        await a.send({"type": "presence.subscribe", "users": [bob["user_id"]]})
        await presence_of(a, bob["user_id"])
        b = await Client.connect(node, bob["token"])       # goes silent
        c = await Client.connect(node, carol["token"])     # keeps pinging
        # Keeps alive with websocket protocol pings only: not idle either.
        d = Client(await websockets.connect(node.ws_url, ping_interval=0.5, ping_timeout=5))
        await d.send({"type": "auth", "token": dave["token"]})
        await d.expect("ready")
        assert (await presence_of(a, bob["user_id"]))["online"] is True
        silent_since = now_ms()
        pinger = asyncio.ensure_future(keep_alive(c, IDLE_S + 2))
        # Alice must keep talking too, or she is cut off herself.
        waiter = asyncio.ensure_future(presence_of(a, bob["user_id"], timeout=IDLE_S + 6))
        await keep_alive(a, IDLE_S + 1.5)
        gone = await waiter
        assert gone["online"] is False
        assert abs(gone["last_seen"] - silent_since) < 1000, \
            "last seen is the silent device's last activity, not the time it was cut"
        assert await b.expect_close(timeout=1) == 4408
        await pinger
        await c.send({"type": "ping"})
        assert (await c.expect("pong"))["type"] == "pong", "a pinging client stays"
        await d.send({"type": "ping"})
        assert (await d.expect("pong"))["type"] == "pong", "so does one with protocol pings"
        for x in (a, c, d):
            await x.close()

    run(main())


def test_subscription_errors(node):
    alice, bob = new_user(node.base), new_user(node.base)
    unknown = str(int(bob["user_id"]) + 12345)

    async def main():
        a = await Client.connect(node, alice["token"])
        bad = [
            ({"type": "presence.subscribe"}, "missing_field"),
            ({"type": "presence.subscribe", "users": []}, "invalid_field"),
            ({"type": "presence.subscribe", "users": "x"}, "invalid_field"),
            ({"type": "presence.subscribe", "users": [12]}, "invalid_field"),
            ({"type": "presence.unsubscribe", "users": ["abc"]}, "invalid_field"),
            ({"type": "presence.subscribe",
              "users": [str(i) for i in range(1, 1002)]}, "too_many_subscriptions"),
            ({"type": "presence.subscribe", "users": [bob["user_id"], unknown]},
             "no_such_user"),
        ]
        for frame, code in bad:
            await a.send(frame)
            err = await a.expect("error")
            assert err["code"] == code, (frame, err)
            assert err["message"]
        # Nothing was subscribed by the rejected request: bob coming online
        # tells alice nothing.
        b = await Client.connect(node, bob["token"])
        assert not [f for f in await a.quiet(0.7) if f["type"] == "presence"]
        # And the connection is still usable.
        await a.send({"type": "presence.subscribe", "users": [bob["user_id"]]})
        assert (await presence_of(a, bob["user_id"]))["online"] is True
        for c in (a, b):
            await c.close()

    run(main())


def test_last_seen_is_written_back_and_survives_a_restart(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def seen_by_alice():
        a = await Client.connect(node, alice["token"])
        await a.send({"type": "presence.subscribe", "users": [bob["user_id"]]})
        frame = await presence_of(a, bob["user_id"])
        await a.close()
        return frame

    async def main():
        b = await Client.connect(node, bob["token"])
        await b.send({"type": "ping"})
        await b.expect("pong")
        await b.close()
        await asyncio.sleep(0.3)
        frame = await seen_by_alice()
        assert frame["online"] is False and frame["last_seen"]
        return frame["last_seen"]

    last_seen = run(main())
    # Written back within a few flush periods, not per ping.
    deadline = time.time() + 5
    while time.time() < deadline:
        stored = pg.query("SELECT last_seen FROM users WHERE user_id = %s",
                          int(bob["user_id"]))[0][0]
        if stored == last_seen:
            break
        time.sleep(0.1)
    assert stored == last_seen
    node.restart()
    after = run(seen_by_alice())
    assert after["last_seen"] == last_seen, "exact after a clean restart"

    # Online when the node is shut down: last seen is its last activity.
    async def online_then_restart():
        b = await Client.connect(node, bob["token"])
        await keep_alive(b, 0.6)
        return now_ms()

    last_active = run(online_then_restart())
    node.restart()
    after = run(seen_by_alice())
    assert after["online"] is False
    assert abs(after["last_seen"] - last_active) < 500, (after, last_active)

    # A crash loses at most about one flush period of last seen.
    async def online_then_crash():
        b = await Client.connect(node, bob["token"])
        await keep_alive(b, 1.5)
        t = now_ms()
        node.kill9()
        return t

    crashed_at = run(online_then_crash())
    node.start()
    after = run(seen_by_alice())
    assert crashed_at - 2 * FLUSH_MS - 400 <= after["last_seen"] <= crashed_at, \
        (after, crashed_at)


def visible(target_setting, viewer_setting, contact):
    def allows(s):
        return s == "everyone" or (s == "contacts" and contact)
    return allows(target_setting) and allows(viewer_setting)


def test_every_privacy_combination_with_reciprocity(node):
    target, contact, stranger = (new_user(node.base) for _ in range(3))
    settings = ("everyone", "contacts", "nobody")

    async def main():
        t = await Client.connect(node, target["token"])
        # A conversation both took part in makes `contact` a contact.
        # `stranger` wrote to target unanswered: that makes nobody a contact.
        await t.send_message("c1", "hi", to=contact["user_id"])
        viewers = {"contact": (contact, await Client.connect(node, contact["token"])),
                   "stranger": (stranger, await Client.connect(node, stranger["token"]))}
        assert (await viewers["contact"][1].send_message(
            "c2", "hi back", to=target["user_id"]))["type"] == "ack"
        assert (await viewers["stranger"][1].send_message(
            "c3", "buy my stuff", to=target["user_id"]))["type"] == "ack"
        alive = pinging(t, *(ws for _, ws in viewers.values()))
        status, body = http(node.base, "GET", "/v1/me/privacy", token=target["token"])
        assert (status, body) == (200, {"last_seen": "everyone"}), "the default"
        for ts in settings:
            set_privacy(node, target, ts)
            for vs in settings:
                for kind, (user, ws) in viewers.items():
                    set_privacy(node, user, vs)
                    await ws.quiet(0.2)  # pushes caused by the change
                    await ws.send({"type": "presence.subscribe", "users": [target["user_id"]]})
                    frame = await presence_of(ws, target["user_id"])
                    late = [f for f in await ws.quiet(0.3) if f["type"] == "presence"]
                    for f in [frame] + late:
                        if visible(ts, vs, kind == "contact"):
                            assert f["online"] is True and f["last_seen"], (ts, vs, kind, f)
                        else:
                            assert f == {"type": "presence", "user": target["user_id"],
                                         "online": False, "last_seen": None}, (ts, vs, kind, f)
        # Everyone may see themself, whatever their setting.
        await t.send({"type": "presence.subscribe", "users": [target["user_id"]]})
        assert (await presence_of(t, target["user_id"]))["online"] is True
        # A change of setting is pushed to watchers at once.
        set_privacy(node, viewers["stranger"][0], "everyone")
        await viewers["stranger"][1].quiet(0.3)
        set_privacy(node, target, "everyone")
        pushed = await presence_of(viewers["stranger"][1], target["user_id"])
        assert pushed["online"] is True
        for bad in ({"last_seen": "friends"}, {"last_seen": 3}, {}):
            status, body = http(node.base, "PUT", "/v1/me/privacy", bad, token=target["token"])
            assert status == 400 and body["code"] in ("invalid_field", "missing_field"), body
        status, body = http(node.base, "GET", "/v1/me/privacy", token=target["token"])
        assert body == {"last_seen": "everyone"}, "a refused change changes nothing"
        alive.cancel()
        await t.close()
        for _, ws in viewers.values():
            await ws.close()

    run(main())


def test_an_answer_makes_a_contact_and_is_pushed_at_once(node):
    target, writer = new_user(node.base), new_user(node.base)
    set_privacy(node, target, "contacts")

    async def main():
        t = await Client.connect(node, target["token"])
        w = await Client.connect(node, writer["token"])
        alive = pinging(t, w)
        assert (await w.send_message("u1", "hello?", to=target["user_id"]))["type"] == "ack"
        await w.send({"type": "presence.subscribe", "users": [target["user_id"]]})
        hidden = await presence_of(w, target["user_id"])
        assert hidden["online"] is False and hidden["last_seen"] is None, \
            "an unanswered message made the writer a contact"
        assert (await t.send_message("u2", "hi", to=writer["user_id"]))["type"] == "ack"
        shown = await presence_of(w, target["user_id"])
        assert shown["online"] is True, shown
        alive.cancel()
        await t.close()
        await w.close()

    run(main())


def test_subscribers_recover_when_the_presence_actor_is_killed(node):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        await a.send({"type": "presence.subscribe", "users": [bob["user_id"]]})
        assert (await presence_of(a, bob["user_id"]))["online"] is True
        status, body = http(node.base, "POST", "/v1/debug/fault",
                            {"kind": "presence", "key": bob["user_id"]})
        assert (status, body) == (200, {"killed": True})
        # Alice gets bob's presence again from the new actor, without reconnecting...
        again = await presence_of(a, bob["user_id"])
        frames = [again] + [f for f in await a.quiet(1.0) if f["type"] == "presence"]
        assert frames[-1]["online"] is True, frames
        # ...and changes keep coming.
        await b.close()
        assert (await presence_of(a, bob["user_id"]))["online"] is False
        # Bob's messages still reach alice's sessions (her presence is intact).
        b = await Client.connect(node, bob["token"])
        await b.send_message("k1", "still here", to=alice["user_id"])
        assert (await a.expect("message"))["body"] == "still here"
        for c in (a, b):
            await c.close()

    run(main())


def test_typing_expires_and_floods_are_refused(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        alive = pinging(a, b)
        conv = (await a.send_message("t1", "hi", to=bob["user_id"]))["conversation"]
        await b.expect("message")
        await a.send({"type": "typing", "conversation": conv})
        start = await b.expect("typing")
        assert start["active"] is True and start["user"] == alice["user_id"]
        t0 = time.monotonic()
        stop = await b.expect("typing", timeout=8)
        assert stop["active"] is False and stop["user"] == alice["user_id"]
        assert 4.0 <= time.monotonic() - t0 <= 7.0, "expires after about 5 s"
        # A flood: refused with rate_limited, connection still usable, and
        # bob hears far fewer frames than were sent.
        for _ in range(200):
            await a.send({"type": "typing", "conversation": conv})
        err = await a.expect("error")
        assert err["code"] == "rate_limited"
        await a.send({"type": "ping"})
        await a.expect("pong")
        heard = [f for f in await b.quiet(1.0) if f["type"] == "typing"]
        assert 1 <= len(heard) <= 3, heard
        assert pg.query("SELECT count(*) FROM messages WHERE conversation_id = %s",
                        int(conv))[0][0] == 1, "typing is never stored"
        alive.cancel()
        for c in (a, b):
            await c.close()

    run(main())


def test_last_seen_is_not_written_per_ping(node):
    bob = new_user(node.base)

    async def main():
        b = await Client.connect(node, bob["token"])
        await asyncio.sleep(2 * FLUSH_MS / 1000)
        before = metric(node.base, "parley_last_seen_writes_total")
        pings = 40
        for _ in range(pings):
            await b.send({"type": "ping"})
            await b.expect("pong")
            await asyncio.sleep(1.0 / pings)
        await asyncio.sleep(2 * FLUSH_MS / 1000)
        writes = metric(node.base, "parley_last_seen_writes_total") - before
        # About one write per flush period while active (other tests' users
        # may add a few), never one per ping.
        assert 1 <= writes <= 1 / (FLUSH_MS / 1000) + 4 < pings, writes
        await b.close()

    run(main())
