"""Calls (../shared/CALLS.md) through a real parleyd and PostgreSQL, with
websocket clients: every transition of a call's state machine, its
errors, its records, and the ring and reconnect timers (short here)."""
import asyncio
import contextlib
import json
import threading
import time

import psycopg2

import pytest

from harness import Client, Parleyd, http, login, metric, new_user, run, wait_for

RING_MS = 2000
GRACE_MS = 1500


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url, extra=["--enable-fault-injection",
                               "--call-ring-timeout-ms", str(RING_MS),
                               "--call-reconnect-grace-ms", str(GRACE_MS)])
    yield n
    assert n.stop() == 0


def offer(to, cid="c1", media="audio", sdp="v=0 offer"):
    return {"type": "call.offer", "id": cid, "to": to["user_id"], "media": media, "sdp": sdp}


async def place(caller, callee, cid="c1", media="audio"):
    """Offers a call; its call_id (from call.created)."""
    await caller.send(offer(callee, cid, media))
    created = await caller.expect("call.created")
    assert created["ref"] == cid
    return created["call_id"]


async def next_of(client, matches, timeout, what):
    """The next frame that `matches`. Unlike Client.first, the frames passed
    over are kept (on the client) for a later call: a record may arrive
    before the call.ended that the test waits for first, or after it."""
    kept = client.__dict__.setdefault("kept", [])
    for i, frame in enumerate(kept):
        if matches(frame):
            return kept.pop(i)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {what} within {timeout}s")
        try:
            frame = await client.recv(left)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {what} within {timeout}s") from None
        if matches(frame):
            return frame
        kept.append(frame)


async def error_for(client, ref, timeout=5.0):
    return await next_of(client, lambda f: f.get("type") == "error" and f.get("ref") == ref,
                         timeout, f"error for {ref}")


async def ended(client, call_id, timeout=5.0):
    frame = await next_of(client, lambda f: f.get("type") == "call.ended"
                          and f["call_id"] == call_id, timeout, f"call.ended of {call_id}")
    return frame["reason"]


async def record(client, call_id, timeout=5.0):
    """The call's record as it reaches a device live: its body, parsed."""
    def is_record(f):
        return (f.get("type") == "message" and f.get("body_type") == "system"
                and json.loads(f["body"]).get("call_id") == call_id)
    frame = await next_of(client, is_record, timeout, f"record of call {call_id}")
    assert frame["from_device"] == "0"
    return frame, json.loads(frame["body"])


class Pair:
    """Alice with one device, Bob with two, all connected."""

    def __init__(self, node):
        self.node = node
        self.alice, self.bob = new_user(node.base), new_user(node.base)
        self.bob2 = login(node.base, self.bob["name"])

    async def connect(self):
        self.a = await Client.connect(self.node, self.alice["token"])
        self.b1 = await Client.connect(self.node, self.bob["token"])
        self.b2 = await Client.connect(self.node, self.bob2["token"])
        return self

    async def answered_call(self):
        """Alice calls Bob, whose first device answers: the call_id."""
        call_id = await place(self.a, self.bob)
        await self.b1.expect("call.incoming")
        await self.b1.send({"type": "call.answer", "call_id": call_id, "sdp": "ans"})
        await self.a.expect("call.answer")
        return call_id

    async def close(self):
        for c in (self.a, self.b1, self.b2):
            await c.close()


def test_answer_on_one_device_stops_the_others(node):
    async def main():
        p = await Pair(node).connect()
        call_id = await place(p.a, p.bob, media="video")
        for dev, session in ((p.b1, p.bob), (p.b2, p.bob2)):
            inc = await dev.expect("call.incoming")
            assert inc["call_id"] == call_id
            assert (inc["from"], inc["from_device"]) == (p.alice["user_id"], p.alice["device_id"])
            assert (inc["media"], inc["sdp"]) == ("video", "v=0 offer")
            assert abs(inc["ts"] - time.time() * 1000) < 5000
        await p.b2.send({"type": "call.answer", "call_id": call_id, "sdp": "v=0 answer"})
        ans = await p.a.expect("call.answer")
        assert (ans["call_id"], ans["sdp"], ans["from_device"]) == \
            (call_id, "v=0 answer", p.bob2["device_id"])
        assert await ended(p.b1, call_id) == "answered_elsewhere"
        assert not [f for f in await p.b2.quiet(0.3) if f["type"] == "call.ended"]
        # Candidates and updates now go between the two parties only.
        await p.a.send({"type": "call.ice", "call_id": call_id, "candidate": "cand-a"})
        ice = await p.b2.expect("call.ice")
        assert (ice["candidate"], ice["from_device"]) == ("cand-a", p.alice["device_id"])
        await p.b2.send({"type": "call.update", "call_id": call_id, "sdp": "restart"})
        assert (await p.a.expect("call.update"))["sdp"] == "restart"
        await p.b1.send({"type": "call.answer", "call_id": call_id, "sdp": "late"})
        assert (await error_for(p.b1, call_id))["code"] == "call_already_answered"
        await p.b1.send({"type": "call.ice", "call_id": call_id, "candidate": "x"})
        assert (await error_for(p.b1, call_id))["code"] == "no_such_call"
        await p.b2.send({"type": "call.answer", "call_id": call_id, "sdp": "again"})
        assert (await error_for(p.b2, call_id))["code"] == "call_already_answered"
        await asyncio.sleep(0.3)
        await p.b2.send({"type": "call.hangup", "call_id": call_id})
        assert await ended(p.a, call_id) == "hangup"
        for dev in (p.a, p.b1, p.b2):
            _, body = await record(dev, call_id)
            assert body["result"] == "answered" and body["media"] == "video"
            assert 250 <= body["duration_ms"] < 5000
        await p.close()
    run(main())


def test_reject(node, pg):
    async def main():
        p = await Pair(node).connect()
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        await p.b2.expect("call.incoming")
        await p.b1.send({"type": "call.reject", "call_id": call_id})
        assert await ended(p.a, call_id) == "rejected"
        rows = pg.query("SELECT count(*) FROM messages WHERE client_id = %s", f"call:{call_id}")
        assert rows[0][0] == 1, "the record is committed before call.ended goes out"
        assert await ended(p.b2, call_id) == "rejected_elsewhere"
        assert not [f for f in await p.b1.quiet(0.3) if f["type"] == "call.ended"]
        frame, body = await record(p.a, call_id)
        assert (body["result"], body["duration_ms"]) == ("rejected", 0)
        assert frame["from"] == p.alice["user_id"]
        await p.a.send({"type": "call.hangup", "call_id": call_id})
        assert (await error_for(p.a, call_id))["code"] == "no_such_call"
        await p.close()
    run(main())


@contextlib.contextmanager
def messages_locked(pg, seconds):
    """Every INSERT into messages waits while this holds (a slow database)."""
    conn = psycopg2.connect(pg._url(pg.user, "parley"))
    cur = conn.cursor()
    cur.execute("BEGIN; LOCK TABLE messages IN EXCLUSIVE MODE")
    timer = threading.Timer(seconds, conn.rollback)
    timer.start()
    try:
        yield
    finally:
        timer.join()
        conn.close()


@pytest.mark.parametrize("slow_s", [1.2, 4.5])
def test_call_ended_waits_for_the_record_at_most_3_s(node, pg, slow_s):
    async def main():
        p = await Pair(node).connect()
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        late_before = metric(node.base, "parley_call_records_late_total")
        with messages_locked(pg, slow_s):
            sent = time.monotonic()
            await p.b1.send({"type": "call.reject", "call_id": call_id})
            assert await ended(p.a, call_id, timeout=6) == "rejected"
            waited = time.monotonic() - sent
            stored = pg.query("SELECT count(*) FROM messages WHERE client_id = %s",
                              f"call:{call_id}")[0][0]
        if slow_s < 3:
            assert waited >= slow_s - 0.1, "call.ended waits for the commit"
            assert stored == 1, "the record is committed before call.ended goes out"
        else:
            assert 2.9 <= waited <= 3.6, "call.ended goes out after 3 s at most"
            _, body = await record(p.a, call_id, timeout=10)
            assert body["result"] == "rejected"
            wait_for(lambda: metric(node.base, "parley_call_records_late_total")
                     == late_before + 1, 5, "the late record counted")
        await p.close()
    run(main())


def test_caller_hangup_before_the_answer_cancels(node):
    async def main():
        p = await Pair(node).connect()
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        await p.a.send({"type": "call.hangup", "call_id": call_id})
        assert await ended(p.b1, call_id) == "cancelled"
        assert await ended(p.b2, call_id) == "cancelled"
        _, body = await record(p.b1, call_id)
        assert body["result"] == "cancelled"
        assert not [f for f in await p.a.quiet(0.3) if f["type"] == "call.ended"]
        await p.close()
    run(main())


def test_caller_disconnecting_while_it_rings_cancels(node):
    async def main():
        p = await Pair(node).connect()
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        await p.a.close()
        assert await ended(p.b1, call_id) == "cancelled"
        _, body = await record(p.b2, call_id)
        assert body["result"] == "cancelled"
        await p.close()
    run(main())


def test_caller_hangup_after_the_answer(node):
    async def main():
        p = await Pair(node).connect()
        call_id = await p.answered_call()
        await p.a.send({"type": "call.hangup", "call_id": call_id})
        assert await ended(p.b1, call_id) == "hangup"
        _, body = await record(p.a, call_id)
        assert body["result"] == "answered"
        await p.close()
    run(main())


def test_ring_timeout_is_a_missed_call(node):
    async def main():
        p = await Pair(node).connect()
        started = time.monotonic()
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        assert await ended(p.a, call_id, timeout=RING_MS / 1000 + 3) == "timeout"
        waited = time.monotonic() - started
        assert RING_MS / 1000 - 0.1 <= waited <= RING_MS / 1000 + 0.5, waited
        assert await ended(p.b1, call_id) == "timeout"
        assert await ended(p.b2, call_id) == "timeout"
        _, body = await record(p.b2, call_id)
        assert (body["result"], body["duration_ms"]) == ("missed", 0)
        await p.close()
    run(main())


def test_a_late_device_gets_the_offer_and_the_candidates_so_far(node):
    async def main():
        p = await Pair(node).connect()
        await p.b2.close()
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        for i in range(3):
            await p.a.send({"type": "call.ice", "call_id": call_id, "candidate": f"c{i}"})
        for i in range(3):
            assert (await p.b1.expect("call.ice"))["candidate"] == f"c{i}"
        late = await Client.connect(node, p.bob2["token"])
        inc = await late.expect("call.incoming")
        assert inc["call_id"] == call_id
        got = [f["candidate"] for f in await late.collect("call.ice", 3)]
        assert got == ["c0", "c1", "c2"]
        await p.a.send({"type": "call.ice", "call_id": call_id, "candidate": ""})
        assert (await late.expect("call.ice"))["candidate"] == ""
        await late.send({"type": "call.ice", "call_id": call_id, "candidate": "x"})
        assert (await error_for(late, call_id))["code"] == "call_not_answered"
        await late.send({"type": "call.answer", "call_id": call_id, "sdp": "ans"})
        assert (await p.a.expect("call.answer"))["from_device"] == p.bob2["device_id"]
        await late.close()
        await p.a.close()
        await p.b1.close()
    run(main())


def test_busy(node):
    async def main():
        p = await Pair(node).connect()
        carol = new_user(node.base)
        c = await Client.connect(node, carol["token"])
        call_id = await p.answered_call()
        busy_id = await place(c, p.bob, cid="to-bob")
        assert await ended(c, busy_id) == "busy"
        assert not [f for f in await p.b2.quiet(0.3)
                    if f["type"] == "call.incoming" and f["call_id"] == busy_id]
        _, body = await record(c, busy_id)
        assert body["result"] == "busy"
        # The caller of an answered call is busy too.
        busy2 = await place(c, p.alice, cid="to-alice")
        assert await ended(c, busy2) == "busy"
        await p.a.send({"type": "call.hangup", "call_id": call_id})
        await ended(p.b1, call_id)
        free = await place(c, p.bob, cid="again")
        assert (await p.b2.expect("call.incoming"))["call_id"] == free
        await c.send({"type": "call.hangup", "call_id": free})
        await c.close()
        await p.close()
    run(main())


def test_refused_offers(node, pg):
    async def main():
        alice, bob = new_user(node.base), new_user(node.base)
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        await a.send(offer(alice, "self"))
        err = await error_for(a, "self")
        assert err["code"] == "invalid_recipient"
        await a.send(offer({"user_id": str(int(alice["user_id"]) + 99999)}, "ghost"))
        assert (await error_for(a, "ghost"))["code"] == "no_such_user"
        status, _ = http(node.base, "PUT", f"/v1/blocks/{alice['user_id']}", token=bob["token"])
        assert status == 204
        await a.send(offer(bob, "blocked"))
        assert (await error_for(a, "blocked"))["code"] == "blocked"
        await b.send(offer(alice, "blocked-back"))
        assert (await error_for(b, "blocked-back"))["code"] == "blocked"
        assert not [f for f in await b.quiet(0.3) if f["type"] == "call.incoming"]
        for bad, code in (({"to": 5}, "invalid_field"), ({"media": "fax"}, "invalid_field"),
                          ({"sdp": ""}, "invalid_field"), ({"sdp": "x" * 65537},
                                                           "payload_too_large")):
            frame = {**offer(bob, "bad"), **bad}
            await a.send(frame)
            assert (await error_for(a, "bad"))["code"] == code, bad
        del_to = offer(bob, "nofield")
        del del_to["to"]
        await a.send(del_to)
        assert (await error_for(a, "nofield"))["code"] == "missing_field"
        await a.send({"type": "ping"})
        await a.expect("pong")  # the connection is still usable
        await a.close()
        await b.close()
        rows = pg.query("SELECT count(*) FROM messages WHERE client_id LIKE 'call:%%' "
                        "AND sender_id = %s", int(alice["user_id"]))
        assert rows[0][0] == 0, "refused offers leave no record"
    run(main())


def test_outsiders_get_no_such_call(node):
    async def main():
        p = await Pair(node).connect()
        carol = new_user(node.base)
        alice_phone = login(node.base, p.alice["name"])
        c = await Client.connect(node, carol["token"])
        a2 = await Client.connect(node, alice_phone["token"])
        call_id = await place(p.a, p.bob)
        await p.b1.expect("call.incoming")
        for who in (c, a2):
            for frame in ({"type": "call.answer", "call_id": call_id, "sdp": "x"},
                          {"type": "call.reject", "call_id": call_id},
                          {"type": "call.hangup", "call_id": call_id},
                          {"type": "call.ice", "call_id": call_id, "candidate": "x"},
                          {"type": "call.update", "call_id": call_id, "sdp": "x"},
                          {"type": "call.resume", "call_id": call_id}):
                await who.send(frame)
                err = await error_for(who, call_id)
                assert err["code"] == "no_such_call", (frame, err)
        unknown = str(int(call_id) + 12345)
        await c.send({"type": "call.hangup", "call_id": unknown})
        assert (await error_for(c, unknown))["code"] == "no_such_call"
        assert not [f for f in await a2.quiet(0.3) if f["type"].startswith("call.")], \
            "the caller's other devices get no call frames"
        await p.b1.send({"type": "call.update", "call_id": call_id, "sdp": "x"})
        assert (await error_for(p.b1, call_id))["code"] == "call_not_answered"
        await p.a.send({"type": "call.resume", "call_id": call_id})
        assert (await error_for(p.a, call_id))["code"] == "call_not_answered"
        await p.a.send({"type": "call.hangup", "call_id": call_id})
        await ended(p.b1, call_id)
        for x in (c, a2):
            await x.close()
        await p.close()
    run(main())


def test_resent_offer_is_idempotent(node, pg):
    async def main():
        p = await Pair(node).connect()
        call_id = await place(p.a, p.bob, cid=7)
        await p.b1.expect("call.incoming")
        await p.a.send(offer(p.bob, 7))
        again = await p.a.expect("call.created")
        assert (again["ref"], again["call_id"]) == (7, call_id)
        assert not [f for f in await p.b1.quiet(0.4) if f["type"] == "call.incoming"]
        await p.a.send({"type": "call.hangup", "call_id": call_id})
        await ended(p.b1, call_id)
        await record(p.a, call_id)
        # From a new connection of the same device, after the end.
        await p.a.close()
        a = await Client.connect(node, p.alice["token"])
        await a.send(offer(p.bob, 7))
        created = await a.expect("call.created")
        assert created["call_id"] == call_id
        assert await ended(a, call_id) == "cancelled"
        rang = [f for f in await p.b2.quiet(0.4) if f["type"] == "call.incoming"]
        assert len(rang) == 1, "the first offer alone rang"
        await a.close()
        await p.b1.close()
        await p.b2.close()
        rows = pg.query("SELECT count(*) FROM messages WHERE client_id = %s",
                        f"call:{call_id}")
        assert rows[0][0] == 1
    run(main())


def test_disconnect_grace_and_resume(node):
    async def main():
        p = await Pair(node).connect()
        call_id = await p.answered_call()
        await p.b1.close()
        await asyncio.sleep(0.3)
        await p.a.send({"type": "call.ice", "call_id": call_id, "candidate": "dropped"})
        back = await Client.connect(node, p.bob["token"])
        await back.send({"type": "call.resume", "call_id": call_id})
        assert (await back.expect("call.resumed"))["call_id"] == call_id
        assert not [f for f in await back.quiet(0.2) if f["type"] == "call.ice"]
        await p.a.send({"type": "call.ice", "call_id": call_id, "candidate": "after"})
        assert (await back.expect("call.ice"))["candidate"] == "after"
        await p.b2.send({"type": "call.resume", "call_id": call_id})
        assert (await error_for(p.b2, call_id))["code"] == "no_such_call"
        # Now the caller goes and does not come back: the grace passes.
        closed_at = time.monotonic()
        await p.a.close()
        assert await ended(back, call_id, timeout=GRACE_MS / 1000 + 3) == "disconnected"
        assert time.monotonic() - closed_at >= GRACE_MS / 1000 - 0.1
        _, body = await record(back, call_id)
        assert body["result"] == "answered"
        await back.close()
        await p.b2.close()
    run(main())


def test_rate_limit_on_offers(node):
    async def main():
        alice, bob = new_user(node.base), new_user(node.base)
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        for i in range(10):
            call_id = await place(a, bob, cid=f"r{i}")
            await a.send({"type": "call.hangup", "call_id": call_id})
            await ended(b, call_id)
        await a.send(offer(bob, "r10"))
        assert (await error_for(a, "r10"))["code"] == "rate_limited"
        await a.send(offer(bob, "r3"))  # a resend does not count, and is answered
        assert (await a.expect("call.created"))["ref"] == "r3"
        # 100 candidates before the answer, not 101.
        other = new_user(node.base)
        o = await Client.connect(node, other["token"])
        call_id = await place(o, bob, cid="ice")
        for i in range(100):
            await o.send({"type": "call.ice", "call_id": call_id, "candidate": f"c{i}"})
        await o.send({"type": "call.ice", "call_id": call_id, "candidate": "one too many"})
        assert (await error_for(o, call_id, timeout=10))["code"] == "rate_limited"
        await o.send({"type": "call.hangup", "call_id": call_id})
        for c in (a, b, o):
            await c.close()
    run(main())


def test_missed_call_seen_on_sync_by_an_offline_callee(node):
    async def main():
        alice, bob = new_user(node.base), new_user(node.base)
        a = await Client.connect(node, alice["token"])
        call_id = await place(a, bob)
        assert await ended(a, call_id, timeout=RING_MS / 1000 + 3) == "timeout"
        frame, body = await record(a, call_id)
        assert body["result"] == "missed"
        b = await Client.connect(node, bob["token"])
        await b.send({"type": "sync"})
        synced = await b.first(lambda f: f.get("type") == "message"
                               and f.get("body_type") == "system", 5, "record on sync")
        assert json.loads(synced["body"])["call_id"] == call_id
        assert synced["conversation"] == frame["conversation"]
        status, page = http(node.base, "GET", f"/v1/conversations/{frame['conversation']}"
                            "/messages", token=bob["token"])
        assert status == 200
        assert [m for m in page["messages"] if m["body_type"] == "system"]
        await a.close()
        await b.close()
    run(main())


def test_killed_call_actor_ends_the_call_for_both(node, pg):
    async def main():
        p = await Pair(node).connect()
        call_id = await p.answered_call()
        status, body = http(node.base, "POST", "/v1/debug/fault",
                            {"kind": "call", "key": call_id})
        assert (status, body) == (200, {"killed": True})
        assert await ended(p.a, call_id) == "failed"
        assert await ended(p.b1, call_id) == "failed"
        _, rec = await record(p.a, call_id, timeout=10)
        assert rec["result"] == "answered"
        await p.close()
        rows = pg.query("SELECT count(*) FROM messages WHERE client_id = %s", f"call:{call_id}")
        assert rows[0][0] == 1, "one record however many wrote it"
    run(main())


def test_turn_not_configured(node):
    alice = new_user(node.base)
    status, body = http(node.base, "GET", "/v1/turn", token=alice["token"])
    assert (status, body["code"]) == (404, "turn_not_configured")
    status, body = http(node.base, "GET", "/v1/turn")
    assert (status, body["code"]) == (401, "unauthorized")


def test_call_metrics(node):
    """Runs last: every result has been recorded by the tests above."""
    text = http(node.base, "GET", "/metrics")[1]
    values = dict(line.rsplit(" ", 1) for line in text.splitlines()
                  if line and not line.startswith("#"))
    for result in ("answered", "missed", "rejected", "busy", "cancelled"):
        assert int(values[f'parley_calls_total{{result="{result}"}}']) > 0, result
    assert int(values["parley_call_setup_seconds_count"]) > 0
    assert int(values['parley_call_setup_seconds_bucket{le="120"}']) \
        == int(values["parley_call_setup_seconds_count"])
    wait_for(lambda: metric(node.base, "parley_calls_active") == 0, 10, "no call active")
    assert int(values["parley_call_records_late_total"]) >= 1
