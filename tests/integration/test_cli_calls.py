"""Call records in the CLI: `listen` and `history` show them as a phone
does ("missed call from alice", "call with bob, 0:01"), from each side, and
`--json` prints them as stored. The calls are placed by websocket clients
on the same accounts (the CLI does not call)."""
import asyncio
import json

import pytest

from cli_client import Device, ok
from harness import Client, Parleyd, login, run, unique_name
from test_calls import ended, place

RING_MS = 1000


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url, extra=["--call-ring-timeout-ms", str(RING_MS)])
    yield n
    assert n.stop() == 0


def test_listen_and_history_show_call_records(node):
    alice = Device(node, unique_name("alice"), register=True)
    bob = Device(node, unique_name("bob"), register=True)
    # Websocket devices of the same accounts place and take the calls.
    alice_ws = {"token": login(node.base, alice.username)["token"], "user_id": alice.user_id}
    bob_ws = {"token": login(node.base, bob.username)["token"], "user_id": bob.user_id}

    async def calls():
        a = await Client.connect(node, alice_ws["token"])
        missed = await place(a, bob_ws, cid="missed")  # bob is not connected
        assert await ended(a, missed, timeout=RING_MS / 1000 + 3) == "timeout"
        b = await Client.connect(node, bob_ws["token"])
        answered = await place(a, bob_ws, cid="answered", media="video")
        await b.expect("call.incoming")
        await b.send({"type": "call.answer", "call_id": answered, "sdp": "a"})
        await a.expect("call.answer")
        await asyncio.sleep(1.1)
        await b.send({"type": "call.hangup", "call_id": answered})
        assert await ended(a, answered) == "hangup"
        await a.close()
        await b.close()
    run(calls())

    # Bob's CLI device was offline for both: it syncs them in.
    lines = ok(bob.run("listen", "--count", "2", "--timeout", "20")).stdout.splitlines()
    assert any(line.endswith(f"missed call from {alice.username}") for line in lines), lines
    assert any(f"video call with {alice.username}, 0:01" in line for line in lines), lines
    history = ok(bob.run("history", alice.username)).stdout
    assert f"missed call from {alice.username}" in history
    ok(alice.run("listen", "--count", "2", "--timeout", "20"))
    mine = ok(alice.run("history", bob.username)).stdout
    assert f"call to {bob.username}, no answer" in mine, mine
    assert f"video call with {bob.username}, 0:01" in mine, mine
    records = bob.json("history", alice.username)["messages"]
    bodies = [r["system"] for r in records if r.get("t") == "system"]
    assert sorted(b["result"] for b in bodies) == ["answered", "missed"]
    assert all(b["event"] == "call" for b in bodies)
