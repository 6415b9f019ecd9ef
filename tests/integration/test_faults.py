"""Fault injection: conversation, store, presence and session actors are
killed (exit_reason::kill) mid-stream; the stream goes on and nothing
acked is lost."""
import asyncio

import websockets

from harness import Client, drain_all, http, new_user, run, stream


def kill(node, kind, key):
    status, body = http(node.base, "POST", "/v1/debug/fault", {"kind": kind, "key": key})
    assert status == 200, body
    return body["killed"]


def test_fault_hook_needs_the_flag(pg):
    from harness import Parleyd
    plain = Parleyd(pg.url)
    try:
        status, body = http(plain.base, "POST", "/v1/debug/fault", {"kind": "store", "key": "1"})
        assert status == 404
    finally:
        plain.stop()


def test_kill_actors_mid_stream(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)
    total = 600

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        first = await a.send_message("warmup", "warmup", to=bob["user_id"])
        conv = first["conversation"]
        plan = {100: ("conversation", conv), 200: ("store", conv),
                300: ("presence", bob["user_id"]), 400: ("conversation", conv),
                500: ("store", conv)}
        killed = []

        async def inject(acked_count):
            if acked_count in plan:
                kind, key = plan.pop(acked_count)
                killed.append((kind, kill(node, kind, key)))

        acks = await stream(a, bob["user_id"], total, "f", window=30, timeout=120,
                            on_progress=inject)
        assert all(ok for _, ok in killed), killed
        assert len(killed) == 5
        # bob's presence was killed and re-created: live delivery still works
        # without bob reconnecting.
        live = await a.send_message("live", "after the faults", to=bob["user_id"])
        got_live = await b.expect("message", 10, where=lambda f: f["msg_id"] == live["msg_id"])
        assert got_live["body"] == "after the faults"
        # Kill bob's session too: he reconnects and catches up like an app.
        assert kill(node, "session", bob["user_id"])
        try:
            await b.quiet(2)
            while True:
                await b.recv(5)
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            pass
        b = await Client.connect(node, bob["token"])
        got = await drain_all(b, conv, {x["seq"] for x in acks.values()})
        received = {m["msg_id"] for m in got.values()}
        assert {x["msg_id"] for x in acks.values()} <= received
        seqs = sorted(x["seq"] for x in acks.values())
        assert len(set(seqs)) == total
        for c in (a, b):
            await c.close()
        return acks

    acks = run(main())
    rows = pg.query("SELECT client_id, count(*) FROM messages WHERE sender_device = %s "
                    "GROUP BY client_id", int(alice["device_id"]))
    counts = {cid.strip('"'): n for cid, n in rows}
    assert all(counts[cid] == 1 for cid in acks), "every acked message stored exactly once"
    assert len(counts) == total + 2


def test_slow_consumer_is_closed_and_catches_up(node):
    """A device that stops reading is cut off (1013) once 8 MiB wait for it,
    instead of the server buffering without bound; it reconnects and
    `sync` brings everything."""
    alice, bob = new_user(node.base), new_user(node.base)
    body = "z" * 60000

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        b.ws.max_queue = 1  # let TCP back up as soon as possible
        acks = await stream_bodies(a, bob["user_id"], 600, body)
        conv = acks[0]["conversation"]
        code = await b.close_code(10)
        assert code == 1013, code
        b = await Client.connect(node, bob["token"])
        got = await drain_all(b, conv, {x["seq"] for x in acks}, timeout=60)
        assert {x["msg_id"] for x in acks} <= {m["msg_id"] for m in got.values()}
        for c in (a, b):
            await c.close()

    run(main())


async def stream_bodies(client, to, count, body):
    acks = []
    for i in range(count):
        await client.send({"type": "send", "id": f"s{i}", "to": to, "body": body})
        if i % 50 == 49:
            acks += await client.collect("ack", 50, timeout=30)
    return acks


def test_several_write_stores_one_killed_mid_stream(pg):
    """--write-stores 3: conversations are hashed onto three PostgreSQL
    connections that commit side by side; killing one conversation's store
    mid-stream loses and duplicates nothing there or anywhere else."""
    from harness import Parleyd
    database = "three_stores"
    node = Parleyd(pg.create_database(database),
                   extra=["--enable-fault-injection", "--write-stores", "3"])
    pairs, per_pair = 30, 40
    try:
        senders = [new_user(node.base) for _ in range(pairs)]
        recipients = [new_user(node.base) for _ in range(pairs)]

        async def main():
            clients = [await Client.connect(node, s["token"]) for s in senders]
            warm = [await c.send_message(f"w{i}", "warmup", to=r["user_id"])
                    for i, (c, r) in enumerate(zip(clients, recipients))]
            victim = warm[0]["conversation"]
            killed = []

            async def inject(acked_count):
                if acked_count == per_pair // 2:
                    killed.append(kill(node, "store", victim))

            results = await asyncio.gather(*[
                stream(c, r["user_id"], per_pair, f"p{i}-", window=10, timeout=120,
                       on_progress=inject if i == 0 else None)
                for i, (c, r) in enumerate(zip(clients, recipients))])
            for c in clients:
                await c.close()
            assert killed == [True]
            return warm, results

        warm, results = run(main())
        # Every store committed something: one PostgreSQL session per write
        # store, plus the query stores (two), none of them shared.
        sessions = pg.query("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                            database)[0][0]
        assert sessions >= 5, f"{sessions} sessions: the three write stores were not all used"
        for i, acks in enumerate(results):
            stored = pg.query("SELECT client_id, seq FROM messages WHERE conversation_id = %s",
                              int(warm[i]["conversation"]), database=database)
            client_ids = [cid.strip('"') for cid, _ in stored]
            assert sorted(client_ids) == sorted([f"w{i}", *acks]), f"pair {i}"
            assert sorted(seq for _, seq in stored) == list(range(1, per_pair + 2)), f"pair {i}"
    finally:
        node.stop()

