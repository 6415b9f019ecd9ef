#!/usr/bin/env python3
"""A connected device gets every acked message live, whatever node dies.

Three real parleyd nodes on loopback. Senders stream messages (20 per
second each); receivers are plain websocket clients that never sync and
never send receipts (they only answer pings). Mid-stream one node is killed
with `kill -9`, and restarted before the next round. Every acked message
must reach every member device whose connection stayed up, live, within 5 s
of its ack, and never out of seq order; duplicates are counted and printed.

Scenarios (each for --rounds rounds):
  pairs           30 senders on nodes 1 and 2 -> 30 receivers on node 3; node 2 dies
  pairs-swapped   30 senders on node 3 -> 30 receivers on nodes 1 and 2; node 2 dies
  group           a group of 20 members over the three nodes, 6 of them sending;
                  the node killed changes each round

    tests/fault/live_delivery.py [--rounds N] [--scenarios a,b]
"""
import argparse
import asyncio
import collections
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import websockets  # noqa: E402

from harness import (Parleyd, Postgres, cluster_tls_args, free_port, http, metric,  # noqa: E402
                     new_user)

FAILURE_TIMEOUT_MS = 1500
RATE = 20              # messages per second per sender
STREAM_SECONDS = 4.0   # per round; the kill comes at KILL_AT
KILL_AT = 1.5
LIVE_WITHIN = 5.0      # seconds from ack to arrival
T0 = time.monotonic()


def log(*args):
    print(f"[live {time.monotonic() - T0:6.1f}s]", *args, flush=True)


class Cluster:
    def __init__(self, pg, n=3):
        ports = [free_port() for _ in range(n)]
        seeds = ",".join(f"127.0.0.1:{p}" for p in ports)
        self.nodes = [Parleyd(pg.url, node_id=i + 1, extra=[
            "--cluster-listen", f"127.0.0.1:{port}", "--seeds", seeds,
            "--failure-timeout-ms", str(FAILURE_TIMEOUT_MS), "--db-wait", "60"]
            + cluster_tls_args(i + 1))
            for i, port in enumerate(ports)]

    async def settled(self, timeout=30):
        """Every node up and seeing all three."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(metric(n.base, "parley_cluster_members") == len(self.nodes)
                       for n in self.nodes):
                    return
            except OSError:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError("the cluster did not settle on three nodes")

    def stop(self):
        for node in self.nodes:
            node.stop()


class Device:
    """One websocket connection of one user, to one node. Records, per
    connection, when each message first arrived."""

    def __init__(self, user, node_index):
        self.user = user
        self.node_index = node_index
        self.ws = None
        self.up_since = None
        self.down_at = None
        self.arrived = {}                     # msg_id -> first arrival (this connection)
        self.times = collections.Counter()    # msg_id -> arrivals (this connection)
        self.top = {}                         # conversation -> highest seq seen
        self.out_of_order = []
        self.acks = {}                        # client id -> (ack frame, time)
        self.reader = None

    async def connect(self, cluster):
        node = cluster.nodes[self.node_index]
        self.ws = await websockets.connect(node.ws_url, close_timeout=1, open_timeout=5,
                                           max_size=None)
        await self.ws.send(json.dumps({"type": "auth", "token": self.user["token"]}))
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert frame["type"] == "ready", frame
        self.up_since, self.down_at = time.monotonic(), None
        self.arrived, self.times, self.top = {}, collections.Counter(), {}
        self.reader = asyncio.ensure_future(self.read())

    @property
    def up(self):
        return self.down_at is None and self.up_since is not None

    async def read(self):
        try:
            async for text in self.ws:
                frame = json.loads(text)
                now = time.monotonic()
                if frame["type"] == "message":
                    self.on_message(frame, now)
                elif frame["type"] == "ack":
                    self.acks[frame["id"]] = (frame, now)
        except websockets.WebSocketException:
            pass
        finally:
            self.down_at = time.monotonic()

    def on_message(self, frame, now):
        msg_id, conv, seq = frame["msg_id"], frame["conversation"], frame["seq"]
        self.times[msg_id] += 1
        if msg_id in self.arrived:
            return
        self.arrived[msg_id] = now
        if seq < self.top.get(conv, 0):
            self.out_of_order.append(f"{conv}#{seq} after #{self.top[conv]}")
        self.top[conv] = max(self.top.get(conv, 0), seq)

    async def close(self):
        if self.ws:
            await self.ws.close()
        if self.reader:
            await self.reader


async def stream(sender, conversation, until, tag):
    """Sends RATE messages a second until `until` or its connection dies."""
    n = 0
    next_at = time.monotonic()
    while time.monotonic() < until and sender.up:
        try:
            await sender.ws.send(json.dumps({"type": "send", "id": f"{tag}-{n}",
                                             "conversation": conversation,
                                             "body": f"{tag}-{n}"}))
        except websockets.WebSocketException:
            return
        n += 1
        next_at += 1 / RATE
        await asyncio.sleep(max(0, next_at - time.monotonic()))


def check_round(name, links, devices_of):
    """links: (sender device, conversation, member devices). Every ack the
    sender saw must have reached every member device whose connection
    stayed up from before the ack to LIVE_WITHIN after it."""
    acked = checked = late = missing = 0
    problems = []
    for sender, conv, members in links:
        for cid, (ack, at) in sender.acks.items():
            if ack["conversation"] != conv:
                continue
            acked += 1
            for device in members:
                if device is sender or device.up_since is None or device.up_since > at:
                    continue
                if device.down_at is not None and device.down_at < at + LIVE_WITHIN:
                    continue  # its own connection died: it syncs when it is back
                checked += 1
                got = device.arrived.get(ack["msg_id"])
                if got is None:
                    missing += 1
                    problems.append(f"{name}: user {device.user['user_id']} never got "
                                    f"{cid} ({conv}#{ack['seq']}) live")
                elif got - at > LIVE_WITHIN:
                    late += 1
                    problems.append(f"{name}: {cid} reached user {device.user['user_id']} "
                                    f"{got - at:.1f}s after its ack")
    duplicates = sum(n - 1 for d in devices_of for n in d.times.values())
    disorder = [f"{name}: user {d.user['user_id']}: {o}" for d in devices_of
                for o in d.out_of_order]
    log(f"{name}: acked={acked} deliveries checked={checked} missing={missing} "
        f"late={late} out_of_order={len(disorder)} duplicates={duplicates}")
    return problems + disorder


async def reconnect(cluster, devices):
    for d in devices:
        if not d.up:
            await d.close()
            await d.connect(cluster)


async def run_rounds(cluster, name, senders, links, everyone, kill_of_round, rounds):
    problems = []
    for r in range(rounds):
        await cluster.settled()
        await reconnect(cluster, everyone)
        await asyncio.sleep(0.5)  # presence attached everywhere
        for d in everyone:
            d.acks = {}
        victim = kill_of_round(r)
        start = time.monotonic()
        until = start + STREAM_SECONDS
        streams = [asyncio.ensure_future(stream(s, conv, until, f"{name}-{r}-{i}"))
                   for i, (s, conv) in enumerate(senders)]
        await asyncio.sleep(KILL_AT)
        log(f"{name} round {r + 1}: kill -9 node {victim + 1}")
        cluster.nodes[victim].kill9()
        await asyncio.gather(*streams)
        await asyncio.sleep(LIVE_WITHIN + 1)
        problems += check_round(f"{name} round {r + 1}", links, everyone)
        cluster.nodes[victim].start(timeout=60)
    return problems


async def pairs(cluster, rounds, swapped):
    name = "pairs-swapped" if swapped else "pairs"
    send_nodes, recv_nodes, victim = ([2], [0, 1], 1) if swapped else ([0, 1], [2], 1)
    base = cluster.nodes[0].base
    users = [new_user(base) for _ in range(60)]
    senders = [Device(users[i], send_nodes[i % len(send_nodes)]) for i in range(30)]
    receivers = [Device(users[30 + i], recv_nodes[i % len(recv_nodes)]) for i in range(30)]
    links, streams = [], []
    for s, rcv in zip(senders, receivers):
        status, body = http(base, "POST", "/v1/messages",
                            {"to": rcv.user["user_id"], "id": "hello", "body": "hello"},
                            token=s.user["token"])
        assert status in (200, 201), body
        links.append((s, body["conversation"], [rcv]))
        streams.append((s, body["conversation"]))
    everyone = senders + receivers
    try:
        return await run_rounds(cluster, name, streams, links, everyone, lambda r: victim,
                                rounds)
    finally:
        for d in everyone:
            await d.close()


async def group(cluster, rounds):
    base = cluster.nodes[0].base
    users = [new_user(base) for _ in range(20)]
    status, body = http(base, "POST", "/v1/conversations",
                        {"title": "live", "members": [u["user_id"] for u in users[1:]]},
                        token=users[0]["token"])
    assert status == 201, body
    conv = body["conversation_id"]
    members = [Device(u, i % 3) for i, u in enumerate(users)]
    senders = [(members[i], conv) for i in range(6)]
    links = [(s, conv, members) for s, _ in senders]
    try:
        return await run_rounds(cluster, "group", senders, links, members,
                                lambda r: r % 3, rounds)
    finally:
        for d in members:
            await d.close()


async def main(args):
    pg = Postgres()
    cluster = Cluster(pg)
    problems = []
    try:
        await cluster.settled()
        for scenario in args.scenarios:
            if scenario == "pairs":
                problems += await pairs(cluster, args.rounds, swapped=False)
            elif scenario == "pairs-swapped":
                problems += await pairs(cluster, args.rounds, swapped=True)
            else:
                problems += await group(cluster, args.rounds)
    finally:
        cluster.stop()
        pg.close()
    return problems


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--scenarios", default="pairs,pairs-swapped,group")
    args = parser.parse_args()
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(args.scenarios) - {"pairs", "pairs-swapped", "group"}
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")
    found = asyncio.run(main(args))
    for p in found[:60]:
        log("problem:", p)
    if found:
        log(f"FAILED: {len(found)} problem(s)")
        sys.exit(1)
    log("passed")
