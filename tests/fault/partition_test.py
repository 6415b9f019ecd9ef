#!/usr/bin/env python3
"""A network partition (issue 5): node 3 runs in its own network namespace,
joined to the host by a veth pair; taking the link down cuts it off from
nodes 1 and 2, from PostgreSQL and from its clients. The others must
declare it dead within the failure timeout and keep serving (messages to
its users are stored); when the link comes back it must rejoin, and its
user, reconnecting, gets everything. Every acked message is stored once.

Needs root (CAP_NET_ADMIN) for `ip netns` and veth; elsewhere it skips with
exit code 77 and says why.
"""
import asyncio
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import (Client, Parleyd, Postgres, cluster_tls_args, free_port, http, new_user,  # noqa: E402
                     wait_for)

SKIP = 77
TIMEOUT_MS = 1500
ADMIN = "partition-admin"
NS = f"parleyp{os.getpid()}"
HOST_IF, NS_IF = f"pvh{os.getpid()}", f"pvn{os.getpid()}"
NET = "10.213.{}.".format(os.getpid() % 250)
HOST_IP, NS_IP = NET + "1", NET + "2"


def ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def make_namespace():
    ip("netns", "add", NS)
    ip("link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF)
    ip("link", "set", NS_IF, "netns", NS)
    ip("addr", "add", HOST_IP + "/24", "dev", HOST_IF)
    ip("link", "set", HOST_IF, "up")
    ip("netns", "exec", NS, "ip", "addr", "add", NS_IP + "/24", "dev", NS_IF)
    ip("netns", "exec", NS, "ip", "link", "set", NS_IF, "up")
    ip("netns", "exec", NS, "ip", "link", "set", "lo", "up")


def remove_namespace():
    ip("link", "del", HOST_IF, check=False)
    ip("netns", "del", NS, check=False)


def cluster_states(node):
    status, body = http(node.base, "GET", "/v1/cluster", token=ADMIN)
    assert status == 200, body
    return {m["node"]: m["state"] for m in body["members"]}


async def exchange(sender_node, sender, receiver_node, receiver, tag, count=5):
    """`count` messages; returns the acks. The receiver, if given a node,
    must get each live."""
    a = await Client.connect(sender_node, sender["token"])
    b = await Client.connect(receiver_node, receiver["token"]) if receiver_node else None
    acks = []
    try:
        for i in range(count):
            ack = await a.send_message(f"{tag}{i}", f"{tag}{i}", to=receiver["user_id"],
                                       timeout=15)
            assert ack["type"] == "ack", ack
            acks.append(ack)
            if b:
                await b.expect("message", where=lambda f: f["msg_id"] == ack["msg_id"])
    finally:
        await a.close()
        if b:
            await b.close()
    return acks


async def sync_everything(node, user, conversation):
    c = await Client.connect(node, user["token"])
    got = set()
    try:
        await c.send({"type": "sync", "conversation": conversation, "after": 0})
        while True:
            f = await c.recv(10)
            if f["type"] == "message":
                got.add(f["msg_id"])
            elif f["type"] == "sync.done" and not f["more"]:
                return got
    finally:
        await c.close()


def main():
    if os.geteuid() != 0:
        print("SKIPPED: network namespaces need root (CAP_NET_ADMIN)")
        return SKIP
    try:
        make_namespace()
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        remove_namespace()
        print(f"SKIPPED: cannot create a network namespace here: "
              f"{getattr(e, 'stderr', '') or e}")
        return SKIP
    pg = nodes = None
    try:
        pg = Postgres(listen=f"127.0.0.1,{HOST_IP}", hba=[f"host all all {NET}0/24 scram-sha-256"])
        ports = [free_port() for _ in range(3)]
        common = ["--failure-timeout-ms", str(TIMEOUT_MS), "--admin-token", ADMIN]
        seeds = f"{HOST_IP}:{ports[0]},{HOST_IP}:{ports[1]}"
        nodes = [Parleyd(pg.url, node_id=i + 1, extra=common + cluster_tls_args(i + 1) + [
            "--cluster-listen", f"{HOST_IP}:{ports[i]}", "--seeds", seeds]) for i in range(2)]
        ns_db = pg.url.replace("127.0.0.1", HOST_IP)
        nodes.append(Parleyd(ns_db, node_id=3, host=NS_IP,
                             prefix=["ip", "netns", "exec", NS],
                             extra=common + cluster_tls_args(3)
                             + ["--cluster-listen", f"{NS_IP}:{ports[2]}",
                                             "--seeds", seeds]))
        all_up = lambda: all(set(cluster_states(n).values()) <= {"self", "up"}
                             and len(cluster_states(n)) == 3 for n in nodes)
        wait_for(all_up, 15, "three nodes up across the namespace")
        alice, bob = new_user(nodes[0].base), new_user(nodes[2].base)
        acks = asyncio.run(exchange(nodes[0], alice, nodes[2], bob, "before"))
        conv = acks[0]["conversation"]

        ip("link", "set", HOST_IF, "down")
        cut = time.monotonic()
        print("partition: node 3 cut off")
        detected = wait_for(lambda: all(cluster_states(n)[3] == "down" for n in nodes[:2]),
                            TIMEOUT_MS / 1000 + 5, "node 3 declared down by nodes 1 and 2")
        print(f"partition detected after {detected - cut:.2f}s")
        # Bob's node is unreachable: messages to him are stored meanwhile.
        acks += asyncio.run(exchange(nodes[1], alice, None, bob, "during", count=10))

        ip("link", "set", HOST_IF, "up")
        healed = time.monotonic()
        wait_for(all_up, 20, "node 3 rejoined after the partition healed")
        print(f"rejoined {time.monotonic() - healed:.2f}s after the link came back")
        acks += asyncio.run(exchange(nodes[2], bob, nodes[0], alice, "after"))
        for node in (nodes[2], nodes[0]):
            got = asyncio.run(sync_everything(node, bob, conv))
            missing = [a["id"] for a in acks if a["msg_id"] not in got]
            assert not missing, f"bob's sync through node {node.node_id} lacks {missing}"
        rows = pg.query("SELECT client_id, count(*) FROM messages WHERE conversation_id = %s "
                        "GROUP BY client_id HAVING count(*) > 1", int(conv))
        assert not rows, f"stored more than once: {rows}"
        stored = pg.query("SELECT count(*) FROM messages WHERE conversation_id = %s",
                          int(conv))[0][0]
        assert stored == len(acks), (stored, len(acks))
        print(f"passed: {len(acks)} acked, all stored once and synced after the partition")
        return 0
    finally:
        for n in nodes or []:
            if n.proc and n.proc.poll() is None:
                n.stop()
        if pg:
            pg.close()
        remove_namespace()


if __name__ == "__main__":
    sys.exit(main())
