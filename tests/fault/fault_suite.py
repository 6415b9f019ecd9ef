#!/usr/bin/env python3
"""Fault injection on a 3-node cluster (issue 5).

Many users on three real parleyd nodes exchange 1:1 and group messages and
delivery receipts through real websocket clients that reconnect (to any
live node, as behind a load balancer) and `sync` like an app, while a fault
driver injects, at random times from a logged seed: kills of session,
presence, conversation and store actors through the fault hook; `kill -9`
of a node and its restart; SIGSTOP of a node past the failure timeout and
SIGCONT; a PostgreSQL restart. Then every device does a last sync and the
checker proves that every acked message is stored exactly once, that every
member device got every message of its conversations, that all devices
agree on every message's seq, and that nobody got a message of a
conversation they are not in. It also checks what a user sees while it
happens: a device whose connection stayed up (on a node that was neither
killed nor frozen) got every message acked meanwhile live, within 5 s of
its ack, and never out of seq order. A failure prints the seed to replay it:

    tests/fault/fault_suite.py --seed N [--duration S] [--soak]
"""
import argparse
import asyncio
import collections
import json
import os
import random
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import websockets  # noqa: E402

from harness import Parleyd, Postgres, cluster_tls_args, free_port, http, new_user  # noqa: E402

FAILURE_TIMEOUT_MS = 1500
LIVE_WITHIN = 5.0   # seconds from an ack to its arrival at a connected device
ACTOR_KINDS = ("session", "presence", "conversation", "store")
ALL_KINDS = ACTOR_KINDS + ("kill9", "sigstop", "pg_restart")


T0 = time.monotonic()


def log(*args):
    print(f"[faults {time.monotonic() - T0:6.1f}s]", *args, flush=True)


class Cluster:
    def __init__(self, pg, n=3):
        self.pg = pg
        ports = [free_port() for _ in range(n)]
        seeds = ",".join(f"127.0.0.1:{p}" for p in ports)
        self.nodes = []
        for i, port in enumerate(ports):
            node = Parleyd(pg.url, node_id=i + 1, extra=[
                "--cluster-listen", f"127.0.0.1:{port}", "--seeds", seeds,
                "--failure-timeout-ms", str(FAILURE_TIMEOUT_MS), "--enable-fault-injection",
                "--db-wait", "60"] + cluster_tls_args(i + 1))
            self.nodes.append(node)
        self.down = set()   # indexes of nodes killed or frozen right now
        self.outages = []   # (node index, from, to): killed or frozen

    def live(self):
        return [n for i, n in enumerate(self.nodes) if i not in self.down]

    def stop(self):
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGCONT)
                node.stop()


# --- the workload: one app per user --------------------------------------------------

class Device:
    """One user's phone: sends, receives, acknowledges delivery, reconnects."""

    def __init__(self, user, conversations, rng):
        self.user = user
        self.conversations = conversations          # conversation ids it is in
        self.rng = rng
        self.received = collections.Counter()       # msg_id -> times received
        self.seen = {}                              # msg_id -> (conversation, seq)
        self.acked = {}                             # client id -> ack frame
        self.pending = {}                           # client id -> (conversation, first try)
        self.longest_wait = 0.0
        self.longest_what = ""
        self.own = collections.defaultdict(set)     # conversation -> seqs it sent
        self.acked_at = {}                          # msg_id -> when its ack came
        self.links = []                             # one per connection, see session()
        self.link = None
        self.next_id = 0
        self.reconnects = 0
        self.errors = collections.Counter()

    def on_message(self, frame, syncing=False):
        self.received[frame["msg_id"]] += 1
        self.seen[frame["msg_id"]] = (frame["conversation"], frame["seq"])
        link = self.link
        if link is None or frame["msg_id"] in link["arrived"]:
            return
        link["arrived"][frame["msg_id"]] = time.monotonic()
        conv, seq = frame["conversation"], frame["seq"]
        # Live frames arrive in seq order; a sync's pages may go back.
        if not syncing and seq < link["top"].get(conv, 0):
            link["disorder"].append(f"{conv}#{seq} after #{link['top'][conv]}")
        link["top"][conv] = max(link["top"].get(conv, 0), seq)

    def on_ack(self, frame):
        cid = frame["id"]
        if cid in self.pending:
            _, first = self.pending.pop(cid)
            waited = time.monotonic() - first
            if waited > self.longest_wait:
                self.longest_wait = waited
                self.longest_what = f"{cid} sent at {first - T0:.1f}s, acked {waited:.1f}s later"
            self.acked[cid] = frame
            self.acked_at[frame["msg_id"]] = time.monotonic()
            self.own[frame["conversation"]].add(frame["seq"])

    def contiguous(self, conv):
        """The highest seq up to which this device has every message (its
        own included): what it may report read without skipping a gap."""
        have = self.own[conv] | {seq for c, seq in self.seen.values() if c == conv}
        top = 0
        while top + 1 in have:
            top += 1
        return top

    async def sync_all(self, ws):
        """Everything past this device's delivered cursor, page by page,
        confirming each page with `delivered` receipts (as an app does)."""
        while True:
            await ws.send(json.dumps({"type": "sync"}))
            top = {}
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                kind = frame["type"]
                if kind == "message":
                    self.on_message(frame, syncing=True)
                    top[frame["conversation"]] = max(top.get(frame["conversation"], 0),
                                                     frame["seq"])
                elif kind == "ack":
                    self.on_ack(frame)
                elif kind == "sync.done":
                    break
                elif kind == "error":
                    raise ConnectionError(f"sync: {frame}")
            for conv, seq in top.items():
                await ws.send(json.dumps({"type": "receipt", "status": "delivered",
                                          "conversation": conv, "up_to": seq}))
            if not frame["more"]:
                return

    async def connect(self, node):
        """An authenticated websocket to `node`; ConnectionError if refused."""
        ws = await websockets.connect(node.ws_url, ping_interval=None, close_timeout=1,
                                      open_timeout=3, max_size=None)
        await ws.send(json.dumps({"type": "auth", "token": self.user["token"]}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] != "ready":
            await ws.close()
            raise ConnectionError(f"auth: {frame}")
        return ws

    async def session(self, cluster, sending_until):
        node = self.rng.choice(cluster.live() or cluster.nodes)
        ws = await self.connect(node)
        self.link = {"node": cluster.nodes.index(node), "start": time.monotonic(),
                     "end": None, "arrived": {}, "top": {}, "disorder": []}
        self.links.append(self.link)
        try:
            await self.sync_all(ws)
            for cid, (conv, _) in list(self.pending.items()):  # retried, same client id
                await ws.send(json.dumps({"type": "send", "id": cid, "conversation": conv,
                                          "body": cid}))
            next_send = time.monotonic()
            while True:
                now = time.monotonic()
                if now >= sending_until and not self.pending:
                    return
                if now >= next_send and now < sending_until and len(self.pending) < 5:
                    cid = f"{self.user['user_id']}-{self.next_id}"
                    self.next_id += 1
                    conv = self.rng.choice(self.conversations)
                    self.pending[cid] = (conv, now)
                    await ws.send(json.dumps({"type": "send", "id": cid, "conversation": conv,
                                              "body": cid}))
                    next_send = now + self.rng.uniform(0.05, 0.4)
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 0.1))
                except asyncio.TimeoutError:
                    continue
                kind = frame["type"]
                if kind == "message":
                    self.on_message(frame)
                    read = self.contiguous(frame["conversation"])
                    if read and self.rng.random() < 0.3:
                        await ws.send(json.dumps({"type": "receipt", "status": "read",
                                                  "conversation": frame["conversation"],
                                                  "up_to": read}))
                elif kind == "ack":
                    self.on_ack(frame)
                elif kind == "error":
                    self.errors[frame["code"]] += 1
                    ref = frame.get("ref")
                    if ref in self.pending:  # unavailable: the app retries, same id
                        if frame["code"] != "unavailable":
                            raise AssertionError(f"send {ref} refused: {frame}")
                        await asyncio.sleep(0.2)
                        await ws.send(json.dumps({"type": "send", "id": ref,
                                                  "conversation": self.pending[ref][0],
                                                  "body": ref}))
        finally:
            self.link["end"] = time.monotonic()
            self.link = None
            await ws.close()

    async def run(self, cluster, sending_until, give_up):
        while time.monotonic() < give_up:
            try:
                await self.session(cluster, sending_until)
                return
            except (OSError, ConnectionError, asyncio.TimeoutError,
                    websockets.WebSocketException):
                self.reconnects += 1
                await asyncio.sleep(self.rng.uniform(0.1, 0.4))
        raise AssertionError(f"user {self.user['user_id']}: {len(self.pending)} sends "
                             "never acked")

    async def final_sync(self, cluster):
        for attempt in range(20):
            try:
                ws = await self.connect(cluster.nodes[attempt % len(cluster.nodes)])
                try:
                    await self.sync_all(ws)
                    return
                finally:
                    await ws.close()
            except (OSError, ConnectionError, asyncio.TimeoutError,
                    websockets.WebSocketException):
                await asyncio.sleep(0.5)
        raise AssertionError(f"user {self.user['user_id']}: final sync failed")


# --- the fault driver --------------------------------------------------------------

async def wait_all_up(cluster, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(http(n.base, "GET", "/healthz")[0] == 200 for n in cluster.nodes):
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the cluster did not recover")


async def inject(kind, cluster, rng, users, conversations, counts):
    if kind in ACTOR_KINDS:
        key = (rng.choice(conversations) if kind in ("conversation", "store")
               else rng.choice(users)["user_id"])
        node = rng.choice(cluster.live())
        try:
            http(node.base, "POST", "/v1/debug/fault", {"kind": kind, "key": key})
        except OSError:
            return
    elif kind == "kill9":
        i = rng.randrange(len(cluster.nodes))
        cluster.down.add(i)
        since = time.monotonic()
        cluster.nodes[i].kill9()
        await asyncio.sleep(rng.uniform(1, 3))
        cluster.nodes[i].start(timeout=60)
        cluster.outages.append((i, since, time.monotonic()))
        cluster.down.discard(i)
    elif kind == "sigstop":
        i = rng.randrange(len(cluster.nodes))
        cluster.down.add(i)
        since = time.monotonic()
        cluster.nodes[i].proc.send_signal(signal.SIGSTOP)
        await asyncio.sleep(FAILURE_TIMEOUT_MS / 1000 + rng.uniform(0.5, 2))
        cluster.nodes[i].proc.send_signal(signal.SIGCONT)
        cluster.outages.append((i, since, time.monotonic()))
        cluster.down.discard(i)
    elif kind == "pg_restart":
        cluster.pg.stop(rng.choice(["fast", "immediate"]))
        await asyncio.sleep(rng.uniform(0.5, 2))
        cluster.pg.start()
    counts[kind] += 1
    log(f"fault: {kind}")
    if kind in ("kill9", "sigstop", "pg_restart"):
        await wait_all_up(cluster)


async def drive_faults(cluster, rng, kinds, until, users, conversations, counts):
    while True:
        await asyncio.sleep(rng.uniform(1.5, 5))
        if time.monotonic() >= until:
            return
        await inject(rng.choice(kinds), cluster, rng, users, conversations, counts)


# --- the checker ----------------------------------------------------------------------

def client_key(stored_id):
    """Client ids are stored as their JSON text (a string keeps its quotes)."""
    try:
        value = json.loads(stored_id)
    except ValueError:
        return stored_id
    return value if isinstance(value, str) else stored_id


def check_live(devices, members, outages):
    """Every acked message reached, live and within LIVE_WITHIN of its ack,
    every member device whose connection was up from before the ack to
    LIVE_WITHIN after it, on a node that was neither killed nor frozen
    meanwhile; and no connection saw a conversation's seqs go back."""
    problems = []
    acks = [(msg_id, at, d.user["user_id"], conv)
            for d in devices for cid, frame in d.acked.items()
            for msg_id, conv in [(frame["msg_id"], frame["conversation"])]
            for at in [d.acked_at.get(msg_id)] if at is not None]
    checked = 0
    for d in devices:
        me = d.user["user_id"]
        for link in d.links:
            end = link["end"]
            problems += [f"device of {me}: {o}" for o in link["disorder"]]
            for msg_id, at, sender, conv in acks:
                if sender == me or me not in members[conv]:
                    continue
                if link["start"] > at or end is None or end < at + LIVE_WITHIN:
                    continue
                if any(i == link["node"] and start < at + LIVE_WITHIN and stop > at - 0.5
                       for i, start, stop in outages):
                    continue
                checked += 1
                got = link["arrived"].get(msg_id)
                if got is None or got - at > LIVE_WITHIN:
                    late = "never" if got is None else f"{got - at:.1f}s after its ack"
                    problems.append(f"device of {me} (connected to node {link['node'] + 1}) "
                                    f"got {msg_id} ({conv}, acked at {at - T0:.1f}s) "
                                    f"live {late}")
    log(f"live check: {checked} deliveries to connected devices checked; outages: "
        + ", ".join(f"node {i + 1} {a - T0:.1f}-{b - T0:.1f}s" for i, a, b in outages))
    return problems


def check(pg, devices, members, counts):
    rows = pg.query("SELECT msg_id::text, conversation_id::text, seq, client_id, "
                    "sender_id::text FROM messages")
    stored, senders = {}, {}
    by_client = collections.Counter()
    for msg_id, conv, seq, client_id, sender in rows:
        stored[msg_id] = (conv, seq)
        senders[msg_id] = sender
        by_client[client_key(client_id)] += 1
    problems = []
    acked = 0
    lost = 0
    for d in devices:
        for cid, ack in d.acked.items():
            acked += 1
            if stored.get(ack["msg_id"]) != (ack["conversation"], ack["seq"]):
                lost += 1
                problems.append(f"acked {cid} ({ack['msg_id']}) is not stored as acked")
            if by_client[cid] != 1:
                problems.append(f"{cid} stored {by_client[cid]} times")
    seqs = collections.defaultdict(dict)
    for msg_id, (conv, seq) in stored.items():
        if seq in seqs[conv]:
            problems.append(f"conversation {conv}: seq {seq} used twice")
        seqs[conv][seq] = msg_id
    duplicates = 0
    for d in devices:
        me = d.user["user_id"]
        duplicates += sum(n - 1 for n in d.received.values())
        for msg_id, (conv, seq) in d.seen.items():
            if stored.get(msg_id) != (conv, seq):
                problems.append(f"device of {me} saw {msg_id} as {conv}#{seq}, "
                                f"stored as {stored.get(msg_id)}")
            if me not in members[conv]:
                problems.append(f"{me} got a message of {conv}, not a member")
        for msg_id, (conv, seq) in stored.items():
            if me in members[conv] and senders[msg_id] != me and msg_id not in d.received:
                lost += 1
                problems.append(f"{me} never got {msg_id} ({conv}#{seq})")
    slowest = max(devices, key=lambda d: d.longest_wait)
    longest = slowest.longest_wait
    log(f"longest wait for an ack: {slowest.longest_what}")
    faults = " ".join(f"{k}={counts[k]}" for k in ALL_KINDS if counts[k])
    log(f"summary: acked={acked} stored={len(stored)} lost={lost} "
        f"duplicates_before_dedup={duplicates} faults: {faults or 'none'} "
        f"longest_unable_to_send={longest:.2f}s "
        f"reconnects={sum(d.reconnects for d in devices)}")
    return problems


# --- main -------------------------------------------------------------------------

async def run_suite(args, rng):
    pg = Postgres()
    cluster = Cluster(pg)
    try:
        await wait_all_up(cluster)
        users = [new_user(cluster.nodes[i % 3].base) for i in range(args.users)]
        conversations, members = [], {}
        # 1:1 conversations: each user with the next two.
        for i, u in enumerate(users):
            for j in (1, 2):
                v = users[(i + j) % len(users)]
                status, body = http(cluster.nodes[0].base, "POST", "/v1/messages",
                                    {"to": v["user_id"], "id": f"hello-{i}-{j}",
                                     "body": "hello"}, token=u["token"])
                assert status in (200, 201), body
                conv = body["conversation"]
                if conv not in members:
                    conversations.append(conv)
                    members[conv] = {u["user_id"], v["user_id"]}
        # Groups of six.
        for g in range(args.users // 6):
            group = users[g * 6:(g + 1) * 6]
            status, body = http(cluster.nodes[1].base, "POST", "/v1/conversations",
                                {"title": f"g{g}", "members": [u["user_id"] for u in group[1:]]},
                                token=group[0]["token"])
            assert status == 201, body
            conversations.append(body["conversation_id"])
            members[body["conversation_id"]] = {u["user_id"] for u in group}
        devices = [Device(u, [c for c in conversations if u["user_id"] in members[c]],
                          random.Random(rng.random())) for u in users]
        counts = collections.Counter()
        start = time.monotonic()
        sending_until = start + args.duration
        faults = asyncio.create_task(drive_faults(cluster, rng, args.kinds, sending_until,
                                                  users, conversations, counts))
        await asyncio.gather(*(d.run(cluster, sending_until, sending_until + 120)
                               for d in devices))
        await faults
        await wait_all_up(cluster)
        live = check_live(devices, members, cluster.outages)
        await asyncio.gather(*(d.final_sync(cluster) for d in devices))
        return live + check(pg, devices, members, counts)
    finally:
        cluster.stop()
        pg.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--duration", type=float, default=60,
                        help="seconds of load with faults (default 60)")
    parser.add_argument("--soak", action="store_true", help="30 minutes instead")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--kinds", default=",".join(ALL_KINDS),
                        help="faults to inject (default: all)")
    args = parser.parse_args()
    if args.soak:
        args.duration = 1800
    seed = seeded(parser, args, f"--users {args.users}")
    run_and_report(lambda: asyncio.run(run_suite(args, random.Random(seed))), seed)


def seeded(parser, args, more=""):
    """Checks --kinds and picks the seed, logged with how to replay it."""
    args.kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(args.kinds) - set(ALL_KINDS)
    if unknown:
        parser.error(f"unknown fault kinds: {sorted(unknown)}")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    log(f"seed {seed} (replay: {sys.argv[0]} --seed {seed} --duration {args.duration:g} "
        f"{more} --kinds {','.join(args.kinds)})")
    return seed


def run_and_report(suite, seed):
    """Runs the suite; its problems are logged and fail the process."""
    try:
        problems = suite()
    except BaseException:
        log(f"FAILED with seed {seed}")
        raise
    for p in problems[:50]:
        log("problem:", p)
    if problems:
        log(f"FAILED with seed {seed}: {len(problems)} problem(s)")
        sys.exit(1)
    log(f"passed (seed {seed})")


if __name__ == "__main__":
    main()
