#!/usr/bin/env python3
"""Measures issue 3's two figures against a running parleyd (loopback only):

1. the cost of a presence change with W watchers: W websocket sessions
   subscribe to one user, who then connects and disconnects R times; it
   prints the time until every watcher has the new state and parleyd's CPU
   time per change and per watcher notified;
2. deliveries per second into a group of M members: all members connected,
   S of them send N messages each (a window of 20 unacknowledged), every
   member's device receives every message.

CPU comes from /proc/PID/stat of --server-pid. The Python clients share the
machine's cores with parleyd and PostgreSQL, so throughput figures are a
floor set partly by the clients. Bounded: every wait has a deadline.

usage: presence_group_probe.py BASE_URL --server-pid PID
         [--watchers 1000] [--rounds 5] [--members 100] [--senders 5] [--messages 200]
"""
import argparse
import asyncio
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Client, http, new_user  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


class Node:
    def __init__(self, base):
        self.base = base
        self.ws_url = base.replace("http://", "ws://") + "/v1/ws"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def until_all(clients, user, online, deadline):
    async def one(c):
        while True:
            f = await c.recv(max(0.01, deadline - time.monotonic()))
            if f.get("type") == "presence" and f["user"] == user and f["online"] == online:
                return
    await asyncio.gather(*(one(c) for c in clients))


async def presence_probe(node, pid, watchers, rounds):
    target = new_user(node.base)
    users = [new_user(node.base) for _ in range(watchers)]
    clients = []
    for u in users:
        c = await Client.connect(node, u["token"])
        await c.send({"type": "presence.subscribe", "users": [target["user_id"]]})
        clients.append(c)
    await until_all(clients, target["user_id"], False, time.monotonic() + 60)
    latencies, cpu = [], 0.0
    for _ in range(rounds):
        for online in (True, False):
            before = cpu_seconds(pid)
            start = time.monotonic()
            if online:
                t = await Client.connect(node, target["token"])
            else:
                await t.close()
            await until_all(clients, target["user_id"], online, time.monotonic() + 60)
            latencies.append(time.monotonic() - start)
            cpu += cpu_seconds(pid) - before
    changes = 2 * rounds
    print(f"presence: {watchers} watchers, {changes} changes: "
          f"all watchers told in {1000 * sum(latencies) / changes:.1f} ms on average "
          f"(max {1000 * max(latencies):.1f} ms); parleyd CPU {1000 * cpu / changes:.1f} ms "
          f"per change = {1e6 * cpu / changes / watchers:.1f} us per watcher "
          f"(includes the target's connect/auth)")
    for c in clients:
        await c.close()


async def group_probe(node, pid, members, senders, messages):
    senders = min(senders, members)
    users = [new_user(node.base) for _ in range(members)]
    status, group = http(node.base, "POST", "/v1/conversations",
                         {"title": "probe", "members": [u["user_id"] for u in users[1:]]},
                         token=users[0]["token"])
    assert status == 201, group
    conv = group["conversation_id"]
    clients = [await Client.connect(node, u["token"]) for u in users]
    total = senders * messages
    counts = [0] * members

    async def receive(i):
        expected = total - (messages if i < senders else 0)
        acks_expected = messages if i < senders else 0
        acks = 0
        deadline = time.monotonic() + 300
        while counts[i] < expected or acks < acks_expected:
            f = await clients[i].recv(max(0.01, deadline - time.monotonic()))
            if f["type"] == "message" and f.get("body_type") != "system":
                counts[i] += 1
            elif f["type"] == "ack":
                acks += 1
                if i < senders and sent[i] < messages:
                    await clients[i].send({"type": "send", "id": f"g{sent[i]}",
                                           "conversation": conv, "body": "x" * 64})
                    sent[i] += 1

    sent = [0] * senders
    before = cpu_seconds(pid)
    start = time.monotonic()
    tasks = [asyncio.ensure_future(receive(i)) for i in range(members)]
    for i in range(senders):
        for _ in range(min(20, messages)):
            await clients[i].send({"type": "send", "id": f"g{sent[i]}", "conversation": conv,
                                   "body": "x" * 64})
            sent[i] += 1
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    cpu = cpu_seconds(pid) - before
    deliveries = sum(counts)
    print(f"group: {members} members, {total} messages from {senders} senders: "
          f"{total / elapsed:.0f} msg/s, {deliveries / elapsed:.0f} deliveries/s; "
          f"parleyd CPU {1e6 * cpu / deliveries:.1f} us per delivery")
    for c in clients:
        await c.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--watchers", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--members", type=int, default=100)
    ap.add_argument("--senders", type=int, default=5)
    ap.add_argument("--messages", type=int, default=200)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    node = Node(args.base)
    await presence_probe(node, args.server_pid, args.watchers, args.rounds)
    await group_probe(node, args.server_pid, args.members, args.senders, args.messages)


if __name__ == "__main__":
    asyncio.run(main())
