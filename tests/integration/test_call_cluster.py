"""Calls across a cluster of real parleyd nodes (../shared/CALLS.md,
"Where a call lives"): the call actor lives on the node where the offer
arrived and the parties may be anywhere; when that node is killed (-9)
while the call rings or is answered, every surviving party and ringing
device gets `call.ended` `failed` and the record is written once. A call
does not survive its node: the parties place a new call."""
import asyncio
import json

import pytest

from harness import Client, cluster_node, free_port, login, new_user, run, wait_for
from test_calls import ended, error_for, place, record
from test_cluster import all_up

GRACE_MS = 8000


@pytest.fixture
def cluster(pg):
    ports = [free_port() for _ in range(4)]
    extra = ["--call-reconnect-grace-ms", str(GRACE_MS)]
    nodes = [cluster_node(pg, 1, ports[0], [], extra)]
    for k in (2, 3, 4):
        nodes.append(cluster_node(pg, k, ports[k - 1], [ports[0]], extra))
    wait_for(all_up(nodes), 15, "four nodes up everywhere")
    yield nodes
    for n in nodes:
        if n.proc and n.proc.poll() is None:
            n.stop()


def records_of(pg, call_id):
    return pg.query("SELECT body FROM messages WHERE client_id = %s", f"call:{call_id}")


async def ringing_across(cluster):
    """Alice on node 1 calls Bob, whose two devices are on nodes 2 and 3:
    (alice, bob1, bob2, bob2's login, call_id) once both devices ring."""
    n1, n2, n3, _ = cluster
    alice, bob = new_user(n2.base), new_user(n2.base)
    bob2 = login(n2.base, bob["name"])
    a = await Client.connect(n1, alice["token"])
    b1 = await Client.connect(n2, bob["token"])
    b2 = await Client.connect(n3, bob2["token"])
    call_id = await place(a, bob)
    assert (await b1.expect("call.incoming"))["call_id"] == call_id
    assert (await b2.expect("call.incoming"))["call_id"] == call_id
    return a, b1, b2, bob2, call_id


def test_a_call_across_three_nodes(cluster, pg):
    async def main():
        a, b1, b2, bob2, call_id = await ringing_across(cluster)
        await a.send({"type": "call.ice", "call_id": call_id, "candidate": "c1"})
        assert (await b1.expect("call.ice"))["candidate"] == "c1"
        assert (await b2.expect("call.ice"))["candidate"] == "c1"
        await b2.send({"type": "call.answer", "call_id": call_id, "sdp": "ans"})
        assert (await a.expect("call.answer"))["from_device"] == bob2["device_id"]
        assert await ended(b1, call_id) == "answered_elsewhere"
        await b2.send({"type": "call.ice", "call_id": call_id, "candidate": "c2"})
        assert (await a.expect("call.ice"))["candidate"] == "c2"
        await b1.send({"type": "call.hangup", "call_id": call_id})
        assert (await error_for(b1, call_id))["code"] == "no_such_call"
        await a.send({"type": "call.hangup", "call_id": call_id})
        assert await ended(b2, call_id) == "hangup"
        for dev in (a, b1, b2):
            _, body = await record(dev, call_id, timeout=10)
            assert body["result"] == "answered"
        for c in (a, b1, b2):
            await c.close()
    run(main())


def test_node_killed_while_it_rings(cluster, pg):
    n1 = cluster[0]

    async def main():
        _, b1, b2, _, call_id = await ringing_across(cluster)
        n1.kill9()
        assert await ended(b1, call_id, timeout=10) == "failed"
        assert await ended(b2, call_id, timeout=10) == "failed"
        wait_for(lambda: len(records_of(pg, call_id)) == 1, 20, "the record")
        _, body = await record(b1, call_id, timeout=20)
        assert body["result"] == "missed"
        await asyncio.sleep(3)  # every writer has had its go
        assert len(records_of(pg, call_id)) == 1
        await b2.send({"type": "call.answer", "call_id": call_id, "sdp": "late"})
        assert (await error_for(b2, call_id))["code"] == "no_such_call"
        await b1.close()
        await b2.close()
    run(main())


def test_node_killed_while_answered_after_both_moved(cluster, pg):
    """The caller offers on node 1 and the callee answers on node 2; both
    reconnect elsewhere during the grace and resume. Killing node 1, which
    still holds the call, ends it for both with `failed`."""
    n1, n2, n3, n4 = cluster
    alice, bob = new_user(n2.base), new_user(n2.base)

    async def main():
        a = await Client.connect(n1, alice["token"])
        b = await Client.connect(n2, bob["token"])
        call_id = await place(a, bob)
        await b.expect("call.incoming")
        await b.send({"type": "call.answer", "call_id": call_id, "sdp": "ans"})
        await a.expect("call.answer")
        await a.close()
        a = await Client.connect(n3, alice["token"])
        await a.send({"type": "call.resume", "call_id": call_id})
        assert (await a.expect("call.resumed"))["call_id"] == call_id
        await b.close()
        b = await Client.connect(n4, bob["token"])
        await b.send({"type": "call.resume", "call_id": call_id})
        await b.expect("call.resumed")
        await a.send({"type": "call.update", "call_id": call_id, "sdp": "restart"})
        assert (await b.expect("call.update"))["sdp"] == "restart"
        n1.kill9()
        assert await ended(a, call_id, timeout=10) == "failed"
        assert await ended(b, call_id, timeout=10) == "failed"
        wait_for(lambda: len(records_of(pg, call_id)) == 1, 20, "the record")
        body = json.loads(records_of(pg, call_id)[0][0])
        assert body["result"] == "answered" and body["duration_ms"] > 0
        await asyncio.sleep(3)
        assert len(records_of(pg, call_id)) == 1
        await a.close()
        await b.close()
    run(main())
