#!/usr/bin/env python3
"""Measures how store actors batch commits under load: P sender/receiver
pairs stream messages (a window of W unacknowledged each) to one parleyd
for at most S seconds or N messages per sender, then prints throughput and
the average writes per transaction from /metrics. Loopback only.

usage: batch_probe.py BASE_URL [--pairs P] [--window W] [--messages N] [--seconds S]
"""
import argparse
import asyncio
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Client, metric, new_user  # noqa: E402


class Node:
    def __init__(self, base):
        self.base = base
        self.ws_url = base.replace("http://", "ws://") + "/v1/ws"


async def sender(node, me, peer, count, window, deadline, stats):
    c = await Client.connect(node, me["token"])
    sent = acked = 0
    while acked < count and time.monotonic() < deadline:
        while sent < count and sent - acked < window:
            await c.send({"type": "send", "id": f"p{sent}", "to": peer["user_id"], "body": "x" * 64})
            sent += 1
        frame = await c.recv(30)
        if frame["type"] == "ack":
            acked += 1
    stats["acked"] += acked
    await c.close()


async def receiver(node, me, stop, stats):
    c = await Client.connect(node, me["token"])
    while not stop.is_set():
        try:
            frame = await c.recv(0.5)
        except asyncio.TimeoutError:
            continue
        if frame["type"] == "message":
            stats["delivered"] += 1
    await c.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    assert re.match(r"http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$", a.base), "loopback only"
    node = Node(a.base)
    pairs = [(new_user(a.base), new_user(a.base)) for _ in range(a.pairs)]
    stats = {"acked": 0, "delivered": 0}
    b0, w0, t0 = (metric(a.base, n) for n in ("parley_store_batches_total",
                                                 "parley_store_batch_writes_total",
                                                 "parley_store_commit_microseconds_total"))
    stop = asyncio.Event()
    receivers = [asyncio.create_task(receiver(node, r, stop, stats)) for _, r in pairs]
    await asyncio.sleep(0.5)
    started = time.monotonic()
    deadline = started + a.seconds
    await asyncio.gather(*(sender(node, s, r, a.messages, a.window, deadline, stats)
                           for s, r in pairs))
    elapsed = time.monotonic() - started
    await asyncio.sleep(1)
    stop.set()
    await asyncio.gather(*receivers)
    b1, w1, t1 = (metric(a.base, n) for n in ("parley_store_batches_total",
                                                 "parley_store_batch_writes_total",
                                                 "parley_store_commit_microseconds_total"))
    batches, writes = b1 - b0, w1 - w0
    print(f"pairs={a.pairs} window={a.window} acked={stats['acked']} "
          f"delivered={stats['delivered']} in {elapsed:.1f}s "
          f"= {stats['acked'] / elapsed:.0f} msg/s")
    print(f"transactions={batches} writes={writes} "
          f"avg writes/transaction={writes / max(batches, 1):.1f} "
          f"avg transaction time={(t1 - t0) / max(batches, 1):.0f} us")


asyncio.run(main())
