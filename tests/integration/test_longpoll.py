"""The long-poll fallback (GET /v1/poll) and POST /v1/messages: delivery,
timeouts, acknowledgement by cursor, bad input, and switching transports."""
import concurrent.futures
import time

from harness import Client, http, login, new_user, run


def poll(node, who, after=None, timeout=5):
    path = f"/v1/poll?timeout={timeout}" + (f"&after={after}" if after else "")
    return http(node.base, "GET", path, token=who["token"])


def post(node, who, body):
    return http(node.base, "POST", "/v1/messages", body, token=who["token"])


def messages(batch):
    return [e for e in batch["events"] if e["type"] == "message"]


def test_post_message_acks_after_commit_and_is_idempotent(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        b = await Client.connect(node, bob["token"])
        status, ack = post(node, alice, {"id": "p1", "to": bob["user_id"], "body": "hi"})
        assert status == 200 and ack["type"] == "ack" and ack["id"] == "p1"
        assert pg.query("SELECT count(*) FROM messages WHERE msg_id = %s",
                        int(ack["msg_id"]))[0][0] == 1, "committed before the answer"
        assert (await b.expect("message"))["msg_id"] == ack["msg_id"]
        status, again = post(node, alice, {"id": "p1", "to": bob["user_id"], "body": "hi"})
        assert (status, again["msg_id"], again["seq"]) == (200, ack["msg_id"], ack["seq"])
        status, by_conv = post(node, alice, {"id": 2, "conversation": ack["conversation"],
                                             "body": "again"})
        assert status == 200 and by_conv["seq"] > ack["seq"]
        await b.close()

    run(main())
    stranger = new_user(node.base)
    conv = post(node, alice, {"id": "p3", "to": bob["user_id"], "body": "x"})[1]["conversation"]
    cases = [
        ({"to": bob["user_id"], "body": "x"}, 400, "missing_field"),
        ({"id": "p", "body": "x"}, 400, "missing_field"),
        ({"id": "p", "to": 5, "body": "x"}, 400, "invalid_field"),
        ({"id": "p", "to": bob["user_id"], "body": "x" * 70000}, 413, "body_too_large"),
        ({"id": "p", "to": str(int(bob["user_id"]) + 999), "body": "x"}, 404, "no_such_user"),
    ]
    for body, status, code in cases:
        got_status, got = post(node, alice, body)
        assert (got_status, got["code"]) == (status, code), (body, got)
    got_status, got = post(node, stranger, {"id": "s", "conversation": conv, "body": "x"})
    assert (got_status, got["code"]) == (403, "not_a_member")
    assert http(node.base, "POST", "/v1/messages", {"id": "p", "to": bob["user_id"],
                                                      "body": "x"})[0] == 401


def test_poll_waits_delivers_and_acknowledges(node):
    alice, bob = new_user(node.base), new_user(node.base)
    status, empty = poll(node, bob, timeout=1)
    assert status == 200 and empty["events"] == [] and empty["cursor"]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor() as pool:
        waiting = pool.submit(poll, node, bob, None, 20)
        time.sleep(0.5)
        status, ack = post(node, alice, {"id": "w1", "to": bob["user_id"], "body": "wake"})
        status, batch = waiting.result(timeout=25)
    assert status == 200 and time.monotonic() - start < 5, "answered as soon as it arrives"
    assert [m["body"] for m in messages(batch)] == ["wake"]
    cursor = batch["cursor"]
    # Not acknowledged yet: polling with the old cursor (a lost answer)
    # returns it again.
    status, again = poll(node, bob, after=empty["cursor"], timeout=1)
    assert [m["msg_id"] for m in messages(again)] == [ack["msg_id"]]
    cursor = again["cursor"]
    # Acknowledged: never again, and the sender hears it was delivered.
    async def sender_sees_receipt():
        a = await Client.connect(node, alice["token"])
        status, after_ack = poll(node, bob, after=cursor, timeout=1)
        assert status == 200 and messages(after_ack) == []
        r = await a.expect("receipt")
        assert (r["user"], r["status"], r["up_to"]) == (bob["user_id"], "delivered", ack["seq"])
        await a.close()
        return after_ack["cursor"]
    cursor = run(sender_sees_receipt())
    status, later = poll(node, bob, after=cursor, timeout=1)
    assert messages(later) == []
    # Other events come through the poll too: alice reads... a receipt.
    async def alice_reads():
        a = await Client.connect(node, alice["token"])
        status, msg = post(node, bob, {"id": "b1", "to": alice["user_id"], "body": "yo"})
        await a.expect("message")
        await a.send({"type": "receipt", "status": "read", "conversation": msg["conversation"],
                      "up_to": msg["seq"]})
        await a.send({"type": "ping"})
        await a.expect("pong")
        await a.close()
    run(alice_reads())
    status, events = poll(node, bob, after=later["cursor"], timeout=2)
    kinds = [(e["type"], e.get("status")) for e in events["events"]]
    assert ("receipt", "read") in kinds, kinds


def test_poll_bad_input(node):
    bob = new_user(node.base)
    status, first = poll(node, bob, timeout=0)
    epoch = first["cursor"].split(".")[0]
    for path, code in ((f"/v1/poll?timeout=31", "invalid_parameter"),
                       ("/v1/poll?timeout=-1", "invalid_parameter"),
                       ("/v1/poll?timeout=soon", "invalid_parameter"),
                       ("/v1/poll?timeout=0&after=garbage", "invalid_cursor"),
                       (f"/v1/poll?timeout=0&after={epoch}.999", "invalid_cursor"),
                       (f"/v1/poll?timeout=0&after={epoch}.x", "invalid_cursor")):
        status, body = http(node.base, "GET", path, token=bob["token"])
        assert (status, body["code"]) == (400, code), (path, body)
    assert http(node.base, "GET", "/v1/poll?timeout=0")[0] == 401
    start = time.monotonic()
    status, body = poll(node, bob, timeout=1)
    assert status == 200 and body["events"] == [] and 0.8 < time.monotonic() - start < 3


def test_switching_transports_gets_everything_once_after_dedup(node):
    alice, bob = new_user(node.base), new_user(node.base)
    sent = []

    def send(i):
        status, ack = post(node, alice, {"id": f"s{i}", "to": bob["user_id"], "body": f"m{i}"})
        assert status == 200
        sent.append(ack["msg_id"])

    seen = []
    for i in range(3):
        send(i)
    status, batch = poll(node, bob, timeout=1)
    seen += [m["msg_id"] for m in messages(batch)]
    status, acked = poll(node, bob, after=batch["cursor"], timeout=0)   # acknowledges 0..2
    for i in range(3, 6):
        send(i)

    async def on_websocket():
        b = await Client.connect(node, bob["token"])   # the same device
        await b.send({"type": "sync"})
        got = [f["msg_id"] for f in await b.collect("message", 3)]
        await b.expect("sync.done")
        send(6)
        live = await b.expect("message")
        await b.close()
        return got + [live["msg_id"]]

    seen += run(on_websocket())
    for i in range(7, 9):
        send(i)
    status, batch = poll(node, bob, timeout=1)   # back to polling
    seen += [m["msg_id"] for m in messages(batch)]
    assert set(seen) == set(sent), "everything, over both transports"
    assert seen[:3] == sent[:3] and len(set(seen[:3]) & set(seen[3:])) == 0, \
        "acknowledged by the poll cursor: never again"


def watch(node, who, users, on=True):
    return http(node.base, "POST", "/v1/presence/" + ("subscribe" if on else "unsubscribe"),
                {"users": users}, token=who["token"])


def presence_events(batch, user_id):
    return [(e["online"], e["last_seen"] is not None) for e in batch["events"]
            if e["type"] == "presence" and e["user"] == user_id]


def test_long_poll_device_watches_presence(node):
    carol, bob = new_user(node.base), new_user(node.base)
    assert watch(node, carol, [bob["user_id"]])[0] == 204
    status, batch = poll(node, carol, timeout=5)
    assert status == 200
    assert presence_events(batch, bob["user_id"]) == [(False, False)], \
        "the current state comes at once: bob was never seen"

    async def main():
        b = await Client.connect(node, bob["token"])
        status, nxt = poll(node, carol, after=batch["cursor"], timeout=5)
        assert presence_events(nxt, bob["user_id"]) == [(True, True)]
        await b.close()
        status, gone = poll(node, carol, after=nxt["cursor"], timeout=5)
        assert presence_events(gone, bob["user_id"]) == [(False, True)]
        # Unsubscribed: bob coming back is not reported.
        assert watch(node, carol, [bob["user_id"]], on=False)[0] == 204
        b = await Client.connect(node, bob["token"])
        status, quiet = poll(node, carol, after=gone["cursor"], timeout=1)
        assert presence_events(quiet, bob["user_id"]) == []
        await b.close()
    run(main())


def test_long_poll_presence_bad_input(node):
    carol, bob = new_user(node.base), new_user(node.base)
    unknown = str(int(bob["user_id"]) + 4242)
    for users, status, code in [
            ([unknown], 404, "no_such_user"), ([bob["user_id"], unknown], 404, "no_such_user"),
            ("abc", 400, "invalid_field"), ([], 400, "invalid_field"), ([5], 400, "invalid_field"),
            ([str(i) for i in range(1, 1002)], 400, "too_many_subscriptions")]:
        got_status, got = watch(node, carol, users)
        assert (got_status, got["code"]) == (status, code), users
    status, got = http(node.base, "POST", "/v1/presence/subscribe", {}, token=carol["token"])
    assert (status, got["code"]) == (400, "missing_field")
    assert http(node.base, "POST", "/v1/presence/subscribe", {"users": [bob["user_id"]]})[0] \
        == 401
    assert http(node.base, "GET", "/v1/presence/subscribe", token=carol["token"])[0] == 405
    # Nothing of the refused requests was subscribed.
    status, batch = poll(node, carol, timeout=0)
    assert [e for e in batch["events"] if e["type"] == "presence"] == []
