#!/usr/bin/env python3
"""The fault suite with encrypted clients (issue 19).

Three users with two devices each, every device a real `parley` CLI state,
send end-to-end encrypted 1:1 and group messages through a 3-node cluster
(each command to a random live node, as behind a load balancer) while
`parley listen` runs for every device and is restarted on another node
whenever its connection drops. The fault driver of fault_suite.py injects,
at random times from a logged seed, actor kills through the fault hook,
`kill -9` of a node and its restart, SIGSTOP/SIGCONT and PostgreSQL
restarts. Then every device syncs to the end and the checker proves that
every acknowledged message is in the decrypted history of every device it
was meant for, with its text, and that no device holds a message it could
not decrypt. A failure prints the seed to replay it:

    tests/fault/e2e_faults.py --seed N [--duration S]
"""
import argparse
import asyncio
import collections
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from fault_suite import (ALL_KINDS, Cluster, drive_faults, log, run_and_report,  # noqa: E402
                         seeded, wait_all_up)
from harness import PARLEY_CLI, PASSWORD, Postgres, http, unique_name  # noqa: E402


class Phone:
    """One device: a HOME with the CLI's credentials and E2E state."""

    def __init__(self, cluster, username, register):
        self.cluster, self.username = cluster, username
        self.home = tempfile.mkdtemp(prefix="parley-fault-home-")
        node = cluster.nodes[0]
        if register:
            self.cli(node, "register", username, "--password", PASSWORD, check=True)
        login = json.loads(self.cli(node, "--json", "login", username, "--password", PASSWORD,
                                    check=True).stdout)
        self.user_id, self.device_id = login["user_id"], login["device_id"]
        with open(f"{self.home}/.config/parley/credentials.json") as f:
            self.token = json.load(f)["token"]
        self.listener = None
        self.listens = 0

    def env(self, node):
        return {**os.environ, "HOME": self.home, "PARLEY_SERVER": node.base}

    def cli(self, node, *args, check=False, timeout=60):
        r = subprocess.run([PARLEY_CLI, *args], capture_output=True, text=True,
                           env=self.env(node), timeout=timeout)
        if check:
            assert r.returncode == 0, (args, r.stderr)
        return r

    def popen(self, node, *args):
        return subprocess.Popen([PARLEY_CLI, *args], env=self.env(node), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def keep_listening(self, rng):
        """(Re)starts listen on a live node when it is not running."""
        if self.listener is None or self.listener.poll() is not None:
            if self.listener is not None:
                self.listener.communicate()
            node = rng.choice(self.cluster.live() or self.cluster.nodes)
            self.listener = subprocess.Popen(
                [PARLEY_CLI, "--json", "listen", "--timeout", "900"], env=self.env(node),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.listens += 1

    def stop_listening(self):
        if self.listener is not None and self.listener.poll() is None:
            self.listener.send_signal(signal.SIGTERM)
            self.listener.wait(timeout=30)

    def stored(self):
        with sqlite3.connect(f"{self.home}/.config/parley/state.db", timeout=30) as db:
            rows = db.execute("SELECT json FROM messages").fetchall()
        return {m["msg_id"]: m for m in (json.loads(r[0]) for r in rows)}


def workload(phones, group, until, rng, acked, outcomes):
    """Encrypted sends, at most three at once, each to a random live node."""
    running = []
    tag = secrets.token_hex(4)
    n = 0
    while time.monotonic() < until or running:
        for entry in list(running):
            phone, target, text, proc, started = entry
            if proc.poll() is None and time.monotonic() - started < 60:
                continue
            if proc.poll() is None:
                proc.kill()
            out, _ = proc.communicate()
            running.remove(entry)
            outcomes[proc.returncode] += 1
            if proc.returncode == 0:
                ack = json.loads(out.splitlines()[-1])
                acked.append({"msg_id": ack["msg_id"], "text": text, "from": phone,
                              "target": target})
        if time.monotonic() < until and len(running) < 3:
            phone = rng.choice(phones)
            node = rng.choice(phone.cluster.live() or phone.cluster.nodes)
            text = f"fault-{tag}-{n}"
            n += 1
            if rng.random() < 0.3:
                target = "group"
                proc = phone.popen(node, "--json", "send-group", group, text)
            else:
                target = rng.choice([p.username for p in phones if p.username != phone.username])
                proc = phone.popen(node, "--json", "send", target, text)
            running.append((phone, target, text, proc, time.monotonic()))
        for phone in phones:
            phone.keep_listening(rng)
        time.sleep(0.05)


def recipients(message, phones):
    sender = message["from"]
    if message["target"] == "group":
        return [p for p in phones if p is not sender]
    return [p for p in phones if p is not sender
            and p.username in (message["target"], sender.username)]


def check(phones, acked):
    problems = []
    for phone in phones:
        stored = phone.stored()
        for m in stored.values():
            if "error" in m:
                problems.append(f"device {phone.device_id} could not decrypt {m['msg_id']}: "
                                f"{m['error']}")
        for m in acked:
            if phone not in recipients(m, phones):
                continue
            got = stored.get(m["msg_id"])
            if got is None:
                problems.append(f"device {phone.device_id} lacks acked {m['msg_id']}")
            elif got.get("text") != m["text"]:
                problems.append(f"device {phone.device_id}: {m['msg_id']} reads "
                                f"{got.get('text')!r}, not {m['text']!r}")
    return problems


def final_sync(phones, acked, cluster, timeout=90):
    deadline = time.monotonic() + timeout
    for phone in phones:
        while time.monotonic() < deadline:
            stored = phone.stored()
            if all(m["msg_id"] in stored for m in acked if phone in recipients(m, phones)):
                break
            phone.cli(cluster.nodes[0], "listen", "--timeout", "3", timeout=30)


def run_suite(args, rng):
    pg = Postgres()
    cluster = Cluster(pg)
    try:
        asyncio.run(wait_all_up(cluster))
        names = [unique_name(n) for n in ("alice", "bob", "carol")]
        phones = []
        for name in names:
            phones += [Phone(cluster, name, register=True), Phone(cluster, name, register=False)]
        status, body = http(cluster.nodes[1].base, "POST", "/v1/conversations",
                            {"title": "faults", "members": [phones[2].user_id,
                                                            phones[4].user_id]},
                            token=phones[0].token)
        assert status == 201, body
        group = body["conversation_id"]
        users = [{"user_id": phones[i].user_id} for i in (0, 2, 4)]
        acked, outcomes, counts = [], collections.Counter(), collections.Counter()
        until = time.monotonic() + args.duration
        sender = threading.Thread(target=workload,
                                  args=(phones, group, until, random.Random(rng.random()),
                                        acked, outcomes))
        sender.start()
        # Actor kills of the group's conversation and store, and of the users' sessions
        # and presence; node kills, freezes and PostgreSQL restarts.
        asyncio.run(drive_faults(cluster, rng, args.kinds, until, users, [group], counts))
        sender.join()
        asyncio.run(wait_all_up(cluster))
        for phone in phones:
            phone.stop_listening()
        final_sync(phones, acked, cluster)
        log(f"{len(acked)} acked sends, outcomes {dict(outcomes)}, faults {dict(counts)}, "
            f"listen restarts {sum(p.listens for p in phones)}")
        problems = check(phones, acked)
        if len(acked) < 20:
            problems.append(f"only {len(acked)} sends were acknowledged: the test proved little")
        return problems
    finally:
        for phone in locals().get("phones", []):
            phone.stop_listening()
        cluster.stop()
        pg.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--duration", type=float, default=45,
                        help="seconds of load with faults (default 45)")
    parser.add_argument("--kinds", default=",".join(ALL_KINDS),
                        help="faults to inject (default: all)")
    args = parser.parse_args()
    seed = seeded(parser, args)
    run_and_report(lambda: run_suite(args, random.Random(seed)), seed)

if __name__ == "__main__":
    main()
