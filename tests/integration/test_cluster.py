"""Issue 5: several parleyd nodes as one CAF cluster (real processes on
loopback, one real PostgreSQL): membership, placement, cross-node traffic,
node ids kept unique, and the death, freezing and return of a node."""
import asyncio
import signal
import time

import pytest

from harness import CLUSTER_ADMIN, Client, Parleyd, cluster_node, free_port, http, metric, new_user, run, wait_for

ADMIN = CLUSTER_ADMIN
TIMEOUT_MS = 1500


def start_node(pg, node_id, cluster_port, seeds, extra=()):
    return cluster_node(pg, node_id, cluster_port, seeds,
                        ["--enable-fault-injection"] + list(extra), TIMEOUT_MS)


def cluster_view(node):
    status, body = http(node.base, "GET", "/v1/cluster", token=ADMIN)
    assert status == 200, body
    return body


def states(node):
    return {m["node"]: m["state"] for m in cluster_view(node)["members"]}


def all_up(nodes):
    ids = {n.node_id for n in nodes}
    def check():
        for n in nodes:
            seen = states(n)
            if {k for k, v in seen.items() if v in ("up", "self")} != ids:
                return False
        return True
    return check


@pytest.fixture(scope="module")
def cluster(pg):
    ports = [free_port() for _ in range(3)]
    nodes = [start_node(pg, 1, ports[0], [])]
    nodes.append(start_node(pg, 2, ports[1], [ports[0]]))
    # Node 3 knows only node 2: it must learn about node 1 through it.
    nodes.append(start_node(pg, 3, ports[2], [ports[1]]))
    wait_for(all_up(nodes), 10, "three nodes up everywhere")
    yield nodes
    for n in nodes:
        if n.proc and n.proc.poll() is None:
            n.stop()


def test_every_node_sees_the_same_members_and_ring(cluster):
    views = [cluster_view(n) for n in cluster]
    for view, node in zip(views, cluster):
        assert view["node"] == node.node_id
        assert view["live"] == 3
        assert view["failure_timeout_ms"] == TIMEOUT_MS
        me = [m for m in view["members"] if m["state"] == "self"]
        assert [m["node"] for m in me] == [node.node_id]
        assert abs(sum(m["ring_share"] for m in view["members"]) - 1.0) < 1e-9
        for m in view["members"]:
            assert 0.2 < m["ring_share"] < 0.47, view
    shares = [{m["node"]: round(m["ring_share"], 9) for m in v["members"]} for v in views]
    assert shares[0] == shares[1] == shares[2]
    assert metric(cluster[0].base, "parley_cluster_members") == 3


def test_cluster_endpoint_needs_the_admin_token(cluster):
    base = cluster[0].base
    assert http(base, "GET", "/v1/cluster")[0] == 401
    assert http(base, "GET", "/v1/cluster", token="wrong")[0] == 401
    status, body = http(base, "GET", "/v1/cluster", token=ADMIN + "x")
    assert status == 401 and body["code"] == "unauthorized", body
    assert http(base, "POST", "/v1/cluster", token=ADMIN, body={})[0] == 405


def test_cluster_endpoint_is_off_without_an_admin_token(pg):
    alone = Parleyd(pg.url, node_id=9)
    try:
        status, body = http(alone.base, "GET", "/v1/cluster", token="anything")
        assert status == 404 and "--admin-token" in body["message"], body
    finally:
        assert alone.stop() == 0


async def talk_across(nodes, pairs=6):
    """Users on different nodes message each other both ways; every message
    arrives once, with receipts and typing crossing too."""
    users = [new_user(nodes[i % len(nodes)].base) for i in range(pairs * 2)]
    clients = [await Client.connect(nodes[i % len(nodes)], u["token"])
               for i, u in enumerate(users)]
    try:
        for p in range(pairs):
            a, b = 2 * p, 2 * p + 1
            ua, ub = users[a], users[b]
            ack = await clients[a].send_message(f"x{p}", f"hello {p}", to=ub["user_id"])
            assert ack["type"] == "ack", ack
            got = await clients[b].expect("message", where=lambda f: f["msg_id"] == ack["msg_id"])
            assert got["body"] == f"hello {p}"
            await clients[b].send({"type": "receipt", "conversation": ack["conversation"],
                                   "status": "read", "up_to": ack["seq"]})
            receipt = await clients[a].expect("receipt")
            assert receipt["up_to"] == ack["seq"] and receipt["user"] == ub["user_id"]
            await clients[b].send({"type": "typing", "conversation": ack["conversation"],
                                   })
            typing = await clients[a].expect("typing")
            assert typing["user"] == ub["user_id"]
            back = await clients[b].send_message(f"y{p}", "back", to=ua["user_id"])
            assert back["type"] == "ack" and back["conversation"] == ack["conversation"]
            await clients[a].expect("message", where=lambda f: f["msg_id"] == back["msg_id"])
    finally:
        for c in clients:
            await c.close()


def test_users_on_different_nodes_talk(cluster):
    before = sum(metric(n.base, "parley_cluster_remote_sends_total") for n in cluster)
    run(talk_across(cluster))
    after = sum(metric(n.base, "parley_cluster_remote_sends_total") for n in cluster)
    assert after > before, "nothing crossed nodes: placement is not spreading actors"


def test_group_fan_out_and_presence_cross_nodes(cluster):
    members = [new_user(cluster[i % 3].base) for i in range(9)]

    async def main():
        clients = [await Client.connect(cluster[i % 3], m["token"])
                   for i, m in enumerate(members)]
        try:
            status, group = http(cluster[0].base, "POST", "/v1/conversations",
                                 {"title": "spread", "members": [m["user_id"] for m in members[1:]]},
                                 token=members[0]["token"])
            assert status == 201, group
            conv = group["conversation_id"]
            for i, c in enumerate(clients):
                await c.send({"type": "send", "id": f"g{i}", "conversation": conv,
                              "body": f"from {i}"})
            # Each device gets its ack and the eight others' messages, once
            # each, wherever the group's actor and the senders live.
            acks, received = {}, {}
            for i, c in enumerate(clients):
                received[i] = set()
                deadline = time.monotonic() + 15
                while i not in acks or len(received[i]) < 8:
                    f = await c.recv(max(0.1, deadline - time.monotonic()))
                    if f["type"] == "ack" and f["id"] == f"g{i}":
                        acks[i] = f["msg_id"]
                    elif (f["type"] == "message" and f["conversation"] == conv
                          and f.get("body_type") != "system"):
                        assert f["msg_id"] not in received[i], "delivered twice"
                        received[i].add(f["msg_id"])
            for i in range(9):
                assert received[i] == {m for j, m in acks.items() if j != i}, i
            # Presence: a watcher on node 1 sees a user of node 3 go offline.
            watcher, target = clients[0], members[2]
            await watcher.send({"type": "presence.subscribe", "users": [target["user_id"]]})
            first = await watcher.expect("presence", where=lambda f: f["user"] == target["user_id"])
            assert first["online"] is True
            await clients[2].close()
            gone = await watcher.expect("presence", where=lambda f: f["user"] == target["user_id"])
            assert gone["online"] is False and gone["last_seen"] is not None
        finally:
            for c in clients:
                try:
                    await c.close()
                except Exception:
                    pass

    run(main())


def test_a_second_node_with_a_taken_id_refuses_to_start(cluster, pg):
    port = free_port()
    with pytest.raises(RuntimeError) as failed:
        start_node(pg, 2, port, [cluster[0].cluster_port])
    text = str(failed.value)
    assert "exited with 1" in text and "node id 2 is already used" in text, text
    assert all(states(n)[2] in ("up", "self") for n in cluster), "the live node 2 stays"


def test_kill9_of_a_node_is_detected_and_messaging_goes_on(cluster):
    victim = cluster[2]
    survivors = cluster[:2]
    users = [new_user(survivors[i % 2].base) for i in range(8)]

    async def exchange(tag):
        clients = [await Client.connect(survivors[i % 2], u["token"]) for i, u in enumerate(users)]
        try:
            for p in range(4):
                a, b = clients[2 * p], clients[2 * p + 1]
                ack = await a.send_message(f"{tag}{p}", tag, to=users[2 * p + 1]["user_id"],
                                           timeout=15)
                assert ack["type"] == "ack", ack
                await b.expect("message", where=lambda f: f["msg_id"] == ack["msg_id"])
        finally:
            for c in clients:
                await c.close()

    run(exchange("before"))
    killed_at = time.monotonic()
    victim.kill9()
    detected = wait_for(lambda: all(states(n).get(3) == "down" for n in survivors),
                        TIMEOUT_MS / 1000 + 3, "node 3 declared down")
    print(f"kill -9 detected after {detected - killed_at:.2f}s")
    run(exchange("after"))
    assert cluster_view(survivors[0])["live"] == 2

    victim.start()
    wait_for(all_up(cluster), 10, "node 3 back everywhere")
    run(talk_across(cluster, pairs=3))
    moved = sum(metric(n.base, "parley_cluster_rehomed_actors_total") for n in cluster)
    assert moved > 0, "a ring change must move actors off nodes that lost them"


def test_failover_time_after_kill9(cluster):
    """From `kill -9` of Bob's node to the first message Bob gets after
    reconnecting to another node (as behind a load balancer), while Alice
    keeps sending from node 1 every 20 ms."""
    victim = cluster[2]
    alice, bob = new_user(cluster[0].base), new_user(victim.base)

    async def main():
        a = await Client.connect(cluster[0], alice["token"])
        b = await Client.connect(victim, bob["token"])
        stop = asyncio.Event()

        sent = [0]

        async def keep_sending():
            while not stop.is_set():
                await a.send({"type": "send", "id": f"f{sent[0]}", "to": bob["user_id"],
                              "body": str(sent[0])})
                sent[0] += 1
                await asyncio.sleep(0.02)

        sender = asyncio.create_task(keep_sending())
        await b.expect("message", timeout=10)
        killed_at = time.monotonic()
        victim.kill9()
        sent_before_kill = sent[0]
        with pytest.raises(Exception):
            while True:
                await b.recv(10)  # until the connection drops
        b2 = await Client.connect(cluster[1], bob["token"])
        await b2.send({"type": "sync"})
        # The first message Alice sent after the kill (sync also brings
        # older ones).
        await b2.expect("message", timeout=15,
                        where=lambda f: int(f["body"]) > sent_before_kill)
        failover = time.monotonic() - killed_at
        stop.set()
        await sender
        await a.close()
        await b2.close()
        return failover

    failover = run(main())
    print(f"failover (kill -9 to first delivery after reconnecting): {failover:.2f}s")
    assert failover < TIMEOUT_MS / 1000 + 3
    victim.start()
    wait_for(all_up(cluster), 10, "node 3 back everywhere")


def test_a_frozen_node_is_dropped_and_rejoins_when_it_wakes(cluster):
    frozen = cluster[1]
    others = [cluster[0], cluster[2]]
    frozen.proc.send_signal(signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        detected = wait_for(lambda: all(states(n).get(2) == "down" for n in others),
                            TIMEOUT_MS / 1000 + 3, "frozen node 2 declared down")
        print(f"SIGSTOP detected after {detected - stopped_at:.2f}s")
        assert detected - stopped_at >= TIMEOUT_MS / 1000 * 0.5
    finally:
        frozen.proc.send_signal(signal.SIGCONT)
    wait_for(all_up(cluster), 10, "node 2 rejoined everywhere")
    run(talk_across(cluster, pairs=3))
