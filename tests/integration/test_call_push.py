"""Pushes for calls (../shared/CALLS.md, "Push for an offline callee")
through a real local push gateway: an offer to a callee with a logged-in
device offline is POSTed at once (kind "call", the offline devices' tokens,
never the SDP), and a second POST to the same tokens says when and why the
call stopped ringing; a callee whose devices are all connected gets none."""
import asyncio
import time

import pytest

from harness import Client, Parleyd, http, login, new_user, run
from test_push import gateway  # noqa: F401 (the local push gateway, as a fixture)

RING_MS = 1500


@pytest.fixture(scope="module")
def node(pg, gateway):
    n = Parleyd(pg.url, extra=["--push-webhook", gateway.url, "--push-window-ms", "60000",
                               "--call-ring-timeout-ms", str(RING_MS)])
    yield n
    assert n.stop() == 0


def set_push_token(node, who, token):
    status, _ = http(node.base, "PUT", "/v1/devices/current/push", {"token": token},
                     token=who["token"])
    assert status == 204


def call_pushes(gateway, user_id):
    return [p for p in gateway.for_user(user_id) if p.get("kind") in ("call", "call_ended")]


async def offer(caller, callee, cid):
    await caller.send({"type": "call.offer", "id": cid, "to": callee["user_id"],
                       "media": "video", "sdp": "SECRET-SDP"})
    return (await caller.expect("call.created"))["call_id"]


def wait_pushes(gateway, user_id, count, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = call_pushes(gateway, user_id)
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{len(call_pushes(gateway, user_id))} of {count} call pushes")


@pytest.mark.parametrize("how", ["answered", "timeout", "cancelled", "rejected"])
def test_offline_device_rings_by_push_until_the_call_stops(node, gateway, how):
    alice, bob = new_user(node.base), new_user(node.base)
    phone = login(node.base, bob["name"])  # logged in, no websocket
    set_push_token(node, phone, f"apns-{bob['user_id']}")

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        sent = time.monotonic()
        call_id = await offer(a, bob, "p1")
        await b.expect("call.incoming")
        ring = wait_pushes(gateway, bob["user_id"], 1)[0]
        assert time.monotonic() - sent < 1.0, "pushed at once, not after a window"
        assert ring == {"kind": "call", "user_id": bob["user_id"], "call_id": call_id,
                        "from": alice["user_id"], "from_device": alice["device_id"],
                        "media": "video", "ts": ring["ts"],
                        "expires_ts": ring["ts"] + RING_MS,
                        "tokens": [f"apns-{bob['user_id']}"]}
        if how == "answered":
            await b.send({"type": "call.answer", "call_id": call_id, "sdp": "a"})
            want = "answered_elsewhere"
        elif how == "rejected":
            await b.send({"type": "call.reject", "call_id": call_id})
            want = "rejected_elsewhere"
        elif how == "cancelled":
            await a.send({"type": "call.hangup", "call_id": call_id})
            want = "cancelled"
        else:
            want = "timeout"
        stop = wait_pushes(gateway, bob["user_id"], 2, timeout=RING_MS / 1000 + 3)[1]
        assert stop["kind"] == "call_ended"
        assert (stop["call_id"], stop["reason"]) == (call_id, want)
        assert stop["tokens"] == ring["tokens"]
        if how == "answered":
            await a.send({"type": "call.hangup", "call_id": call_id})
        await asyncio.sleep(0.3)
        assert len(call_pushes(gateway, bob["user_id"])) == 2
        await a.close()
        await b.close()
    run(main())
    raw = b"".join(r[2] for r in gateway.requests)
    assert b"SECRET-SDP" not in raw, "never the SDP"


def test_no_call_push_when_every_device_is_connected(node, gateway):
    alice, bob = new_user(node.base), new_user(node.base)
    set_push_token(node, bob, "fcm-online")

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        call_id = await offer(a, bob, "p2")
        await b.expect("call.incoming")
        await a.send({"type": "call.hangup", "call_id": call_id})
        await b.expect("call.ended")
        await asyncio.sleep(0.5)
        await a.close()
        await b.close()
    run(main())
    assert call_pushes(gateway, bob["user_id"]) == []


def test_a_callee_with_no_token_still_gets_the_push_with_no_tokens(node, gateway):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        call_id = await offer(a, bob, "p3")  # bob's only device is offline, no token
        ring = wait_pushes(gateway, bob["user_id"], 1)[0]
        assert (ring["call_id"], ring["tokens"]) == (call_id, [])
        await a.close()  # the caller disconnects: cancelled
        stop = wait_pushes(gateway, bob["user_id"], 2)[1]
        assert stop["reason"] == "cancelled"
    run(main())
