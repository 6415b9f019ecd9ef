"""1:1 messaging end to end: accounts, devices, delivery, ordering,
idempotency, offline sync, history, receipts."""
import json

from harness import Client, http, login, new_user, register, run, unique_name, PASSWORD


def test_accounts_and_lookup(node):
    name, user_id = register(node.base)
    assert http(node.base, "POST", "/v1/users", {"username": name, "password": PASSWORD})[1]["code"] \
        == "username_taken"
    status, body = http(node.base, "POST", "/v1/users", {"username": name, "password": PASSWORD})
    assert status == 409
    status, body = http(node.base, "POST", "/v1/users", {"username": "bad name!", "password": PASSWORD})
    assert (status, body["code"]) == (400, "invalid_username")
    status, body = http(node.base, "POST", "/v1/users", {"username": unique_name(), "password": "short"})
    assert (status, body["code"]) == (400, "weak_password")
    status, body = http(node.base, "POST", "/v1/sessions", {"username": name, "password": "wrong password"})
    assert (status, body["code"]) == (401, "bad_credentials")
    status, body = http(node.base, "POST", "/v1/sessions", {"username": "nobody_at_all", "password": PASSWORD})
    assert (status, body["code"]) == (401, "bad_credentials")
    s1 = login(node.base, name)
    s2 = login(node.base, name)
    assert s1["user_id"] == s2["user_id"] == user_id
    assert s1["device_id"] != s2["device_id"], "each login is a new device"
    assert isinstance(s1["device_id"], str) and isinstance(user_id, str)
    same = login(node.base, name, device_id=s1["device_id"])
    assert same["device_id"] == s1["device_id"]
    status, body = http(node.base, "GET", f"/v1/users/by-name/{name}", token=s1["token"])
    assert status == 200 and body == {"user_id": user_id, "username": name}
    status, body = http(node.base, "GET", "/v1/users/by-name/nobody_at_all", token=s1["token"])
    assert (status, body["code"]) == (404, "no_such_user")
    status, body = http(node.base, "GET", f"/v1/users/by-name/{name}")
    assert (status, body["code"]) == (401, "unauthorized")
    status, body = http(node.base, "GET", f"/v1/users/by-name/{name}",
                        headers={"Authorization": "bearer " + s1["token"]})
    assert status == 200, "the auth scheme is case-insensitive"
    status, body = http(node.base, "GET", "/healthz")
    assert status == 200 and body["status"] == "ok" and body["db"] == "ok" and body["node"] == 1
    status, text = http(node.base, "GET", "/metrics")
    assert status == 200
    for name in ("parley_ws_connections", "parley_messages_acked_total",
                 "parley_store_batches_total", "parley_http_requests_total"):
        assert f"\n{name} " in text, name


def test_two_devices_and_another_user(node):
    alice = new_user(node.base)
    alice2 = login(node.base, alice["name"])
    bob = new_user(node.base)

    async def main():
        a1 = await Client.connect(node, alice["token"])
        a2 = await Client.connect(node, alice2["token"])
        b = await Client.connect(node, bob["token"])
        assert a1.ready["user_id"] == alice["user_id"]
        assert a1.ready["device_id"] == alice["device_id"]
        ack = await a1.send_message("m1", "hello bob", to=bob["user_id"])
        assert ack["type"] == "ack" and ack["seq"] == 1
        assert isinstance(ack["msg_id"], str) and isinstance(ack["conversation"], str)
        got = await b.expect("message")
        assert got["body"] == "hello bob" and got["from"] == alice["user_id"]
        assert got["from_device"] == alice["device_id"]
        assert got["msg_id"] == ack["msg_id"] and got["seq"] == 1
        assert got["conversation"] == ack["conversation"]
        mine = await a2.expect("message")  # the sender's other device
        assert mine["msg_id"] == ack["msg_id"]
        assert not [f for f in await a1.quiet() if f["type"] == "message"], \
            "the sending device gets an ack, not its own message"
        # Reply into the known conversation.
        ack2 = await b.send_message("r1", "hi alice", conversation=ack["conversation"])
        assert ack2["seq"] == 2
        for c in (a1, a2):
            m = await c.expect("message")
            assert m["body"] == "hi alice" and m["from"] == bob["user_id"]
        for c in (a1, a2, b):
            await c.close()

    run(main())


def test_ordering_of_1000_rapid_messages(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        for i in range(1000):
            await a.send({"type": "send", "id": f"r{i}", "to": bob["user_id"], "body": str(i)})
        acks = await a.collect("ack", 1000, timeout=60)
        assert [x["id"] for x in acks] == [f"r{i}" for i in range(1000)]
        seqs = [x["seq"] for x in acks]
        assert seqs == sorted(seqs) and len(set(seqs)) == 1000
        got = await b.collect("message", 1000, timeout=60)
        assert [m["body"] for m in got] == [str(i) for i in range(1000)]
        assert [m["seq"] for m in got] == seqs
        await a.close()
        await b.close()
        conv = int(acks[0]["conversation"])
        rows = pg.query("SELECT body FROM messages WHERE conversation_id = %s ORDER BY seq", conv)
        assert [r[0] for r in rows] == [str(i) for i in range(1000)]

    run(main())


def test_batched_commits_keep_every_body_and_id_exact(node, pg):
    """Messages arriving together are committed as one batch (one INSERT of
    arrays): bodies and client ids with quotes, backslashes, braces, commas,
    "NULL" and non-ASCII text come back byte for byte, and a client id sent
    twice within the burst is stored once and acked twice alike."""
    alice, bob = new_user(node.base), new_user(node.base)
    bodies = ['say "hi"', "back\\slash\\", "{a,b}", "NULL", "", " , ", "é€😀",
              '\\"', "{\"json\": [1, 2]}", "x" * 4000]

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        for i, body in enumerate(bodies):
            await a.send({"type": "send", "id": f'id"{i}\\', "to": bob["user_id"], "body": body})
        await a.send({"type": "send", "id": 'id"0\\', "to": bob["user_id"], "body": bodies[0]})
        acks = await a.collect("ack", len(bodies) + 1, timeout=30)
        assert acks[-1]["msg_id"] == acks[0]["msg_id"] and acks[-1]["seq"] == acks[0]["seq"]
        got = await b.collect("message", len(bodies), timeout=30)
        assert [m["body"] for m in got] == bodies
        await a.close()
        await b.close()
        conv = int(acks[0]["conversation"])
        rows = pg.query("SELECT body, client_id FROM messages WHERE conversation_id = %s"
                        " ORDER BY seq", conv)
        assert [r[0] for r in rows] == bodies
        assert [json.loads(r[1]) for r in rows] == [f'id"{i}\\' for i in range(len(bodies))]
        # The batch statement itself succeeded (a malformed array literal
        # would fail it and the store would redo the writes one by one).
        assert "query failed" not in node.read_log()

    run(main())


def test_idempotent_retry(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        first = await a.send_message("same-id", "once", to=bob["user_id"])
        again = await a.send_message("same-id", "once", to=bob["user_id"])
        assert again["type"] == "ack"
        assert (again["msg_id"], again["seq"]) == (first["msg_id"], first["seq"])
        # Also across a reconnect of the same device.
        await a.close()
        a = await Client.connect(node, alice["token"])
        third = await a.send_message("same-id", "once", to=bob["user_id"])
        assert third["msg_id"] == first["msg_id"]
        # Integer client ids are echoed as integers.
        num = await a.send_message(77, "numeric", to=bob["user_id"])
        assert num["id"] == 77
        await a.close()
        rows = pg.query("SELECT count(*) FROM messages WHERE sender_device = %s AND client_id = %s",
                        int(alice["device_id"]), '"same-id"')
        assert rows[0][0] == 1

    run(main())


def test_offline_sync(node):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        acks = [await a.send_message(f"o{i}", f"offline {i}", to=bob["user_id"]) for i in range(5)]
        conv = acks[0]["conversation"]
        b = await Client.connect(node, bob["token"])
        await b.send({"type": "sync"})
        got = await b.collect("message", 5)
        assert [m["body"] for m in got] == [f"offline {i}" for i in range(5)]
        done = await b.expect("sync.done")
        assert done["more"] is False
        await b.send({"type": "receipt", "status": "delivered", "conversation": conv, "up_to": 3})
        receipt = await a.expect("receipt")
        assert receipt == {**receipt, "conversation": conv, "user": bob["user_id"],
                           "status": "delivered", "up_to": 3}
        await b.close()
        # After reconnecting, only what is past the delivered cursor comes back.
        b = await Client.connect(node, bob["token"])
        await b.send({"type": "sync"})
        got = await b.collect("message", 2)
        assert [m["seq"] for m in got] == [4, 5]
        await b.expect("sync.done")
        # Sync of one conversation after a given seq.
        await b.send({"type": "sync", "conversation": conv, "after": 1})
        got = await b.collect("message", 4)
        assert [m["seq"] for m in got] == [2, 3, 4, 5]
        done = await b.expect("sync.done")
        assert done["conversation"] == conv
        await a.close()
        await b.close()

    run(main())


def test_history_paging_and_membership(node):
    alice, bob, carol = new_user(node.base), new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        for i in range(120):
            await a.send({"type": "send", "id": f"h{i}", "to": bob["user_id"], "body": f"h{i}"})
        acks = await a.collect("ack", 120, timeout=30)
        await a.close()
        return acks[0]["conversation"]

    conv = run(main())
    status, page = http(node.base, "GET", f"/v1/conversations/{conv}/messages", token=bob["token"])
    assert status == 200
    msgs = page["messages"]
    assert len(msgs) == 50, "default page size"
    assert [m["seq"] for m in msgs] == list(range(120, 70, -1)), "newest first"
    m = msgs[0]
    assert set(m) >= {"msg_id", "conversation", "seq", "from", "from_device", "ts", "body"}
    assert m["body"] == "h119" and m["from"] == alice["user_id"]
    status, page = http(node.base, "GET", f"/v1/conversations/{conv}/messages?before=71&limit=200",
                        token=alice["token"])
    assert [x["seq"] for x in page["messages"]] == list(range(70, 0, -1))
    status, page = http(node.base, "GET", f"/v1/conversations/{conv}/messages?limit=1000",
                        token=alice["token"])
    assert status == 200 and len(page["messages"]) == 120, "limit is capped at 200"
    status, body = http(node.base, "GET", f"/v1/conversations/{conv}/messages", token=carol["token"])
    assert (status, body["code"]) == (403, "not_a_member")
    status, body = http(node.base, "GET", f"/v1/conversations/{conv}/messages?limit=abc",
                        token=alice["token"])
    assert status == 400
    status, body = http(node.base, "GET", "/v1/conversations", token=bob["token"])
    assert status == 200
    [c] = [c for c in body["conversations"] if c["conversation_id"] == conv]
    assert c["peer"] == alice["user_id"] and c["last_seq"] == 120 and c["unread"] == 120
    assert sorted(c["members"]) == sorted([alice["user_id"], bob["user_id"]])
    assert c["kind"] == "direct" and c["peer_username"] == alice["name"]


def test_receipts_persist_across_restart(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def send_and_read():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        for i in range(3):
            await a.send_message(f"x{i}", "x", to=bob["user_id"])
        got = await b.collect("message", 3)
        conv = got[0]["conversation"]
        await b.send({"type": "receipt", "status": "read", "conversation": conv, "up_to": 2})
        r = await a.expect("receipt", where=lambda f: f["status"] == "read")
        assert r["up_to"] == 2 and r["user"] == bob["user_id"]
        # A receipt past the last message is clamped, never invented.
        await b.send({"type": "receipt", "status": "delivered", "conversation": conv, "up_to": 999})
        r = await a.expect("receipt", where=lambda f: f["status"] == "delivered")
        assert r["up_to"] == 3
        await a.close()
        await b.close()
        return conv

    conv = run(send_and_read())
    assert node.stop() == 0, "SIGTERM drains and exits 0"
    node.start()
    rows = pg.query("SELECT delivered_seq, read_seq FROM members WHERE conversation_id = %s AND user_id = %s",
                    int(conv), int(bob["user_id"]))
    assert rows == [(3, 2)]
    status, body = http(node.base, "GET", "/v1/conversations", token=bob["token"])
    [c] = [c for c in body["conversations"] if c["conversation_id"] == conv]
    assert c["unread"] == 1, "unread counts from the stored read cursor"
    status, body = http(node.base, "GET", "/v1/conversations", token=alice["token"])
    [c] = [c for c in body["conversations"] if c["conversation_id"] == conv]
    assert (c["peer_delivered"], c["peer_read"]) == (3, 2), "receipts survive for the sender"

    async def after_restart():
        b = await Client.connect(node, bob["token"])
        await b.send({"type": "sync"})
        done = await b.expect("sync.done")
        assert done["more"] is False
        await b.close()

    run(after_restart())


def test_token_revocation(node):
    alice = new_user(node.base)
    other_device = login(node.base, alice["name"])

    async def live_session_is_cut():
        c = await Client.connect(node, alice["token"])
        keep = await Client.connect(node, other_device["token"])
        status, _ = http(node.base, "DELETE", "/v1/sessions/current", token=alice["token"])
        assert status == 204
        err = await c.expect("error")
        assert err["code"] == "unauthorized"
        assert await c.expect_close() == 4401, "the logged-out device is cut off"
        await keep.send({"type": "ping"})
        await keep.expect("pong")  # the user's other device is untouched
        await keep.close()

    run(live_session_is_cut())
    status, body = http(node.base, "GET", "/v1/conversations", token=alice["token"])
    assert (status, body["code"]) == (401, "unauthorized")

    async def main():
        c = await Client.connect(node, auth=False)
        await c.send({"type": "auth", "token": alice["token"]})
        err = await c.expect("error")
        assert err["code"] == "unauthorized"
        assert await c.expect_close() == 4401

    run(main())


def test_typing_and_receipts_reach_the_right_devices(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)
    bob2 = login(node.base, bob["name"])

    async def main():
        a = await Client.connect(node, alice["token"])
        b1 = await Client.connect(node, bob["token"])
        b2 = await Client.connect(node, bob2["token"])
        ack = await a.send_message("t1", "hi", to=bob["user_id"])
        conv = ack["conversation"]
        for b in (b1, b2):
            await b.expect("message")
        before = pg.query("SELECT count(*) FROM messages WHERE conversation_id = %s", int(conv))
        await a.send({"type": "typing", "conversation": conv})
        for b in (b1, b2):
            t = await b.expect("typing")
            assert (t["conversation"], t["user"]) == (conv, alice["user_id"])
        assert pg.query("SELECT count(*) FROM messages WHERE conversation_id = %s",
                        int(conv)) == before, "typing is never stored"
        assert not [f for f in await a.quiet(0.5) if f["type"] == "typing"], \
            "the typer's own devices are not told"
        # bob reads on device 1: alice and bob's device 2 hear it, device 1 does not.
        await b1.send({"type": "receipt", "status": "read", "conversation": conv, "up_to": 1})
        for c in (a, b2):
            r = await c.expect("receipt")
            assert (r["user"], r["status"], r["up_to"]) == (bob["user_id"], "read", 1)
        assert not [f for f in await b1.quiet(0.5) if f["type"] == "receipt"]
        # A receipt that does not move the cursor is stored but not repeated.
        await b2.send({"type": "receipt", "status": "read", "conversation": conv, "up_to": 1})
        assert not [f for f in await a.quiet(0.5) if f["type"] == "receipt"]
        for c in (a, b1, b2):
            await c.close()

    run(main())


def test_sync_pages_with_more(node):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        for i in range(600):
            await a.send({"type": "send", "id": f"p{i}", "to": bob["user_id"], "body": f"p{i}"})
        acks = await a.collect("ack", 600, timeout=60)
        conv = acks[0]["conversation"]
        b = await Client.connect(node, bob["token"])
        await b.send({"type": "sync"})
        first = await b.collect("message", 500)
        done = await b.expect("sync.done")
        assert done["more"] is True
        assert [m["seq"] for m in first] == list(range(1, 501))
        await b.send({"type": "receipt", "status": "delivered", "conversation": conv,
                      "up_to": first[-1]["seq"]})
        await b.send({"type": "sync"})
        rest = await b.collect("message", 100)
        assert [m["seq"] for m in rest] == list(range(501, 601))
        assert (await b.expect("sync.done"))["more"] is False
        for c in (a, b):
            await c.close()

    run(main())
