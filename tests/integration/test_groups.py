"""Groups: creation and its bad input, one commit order for every member
device, add/remove/leave with history visibility, per-member receipts and
unread counts."""
import asyncio

import pytest

from harness import Client, Parleyd, http, new_user, run

MAX_GROUP = 60


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url, extra=["--max-group-size", str(MAX_GROUP)])
    yield n
    assert n.stop() == 0


def create_group(node, owner, members, title="team"):
    status, body = http(node.base, "POST", "/v1/conversations",
                        {"title": title, "members": [m["user_id"] for m in members]},
                        token=owner["token"])
    assert status == 201, (status, body)
    return body


def add(node, who, conv, users):
    return http(node.base, "POST", f"/v1/conversations/{conv}/members",
                {"members": [u["user_id"] for u in users]}, token=who["token"])


def remove(node, who, conv, user):
    return http(node.base, "DELETE", f"/v1/conversations/{conv}/members/{user['user_id']}",
                token=who["token"])


def history(node, who, conv):
    status, body = http(node.base, "GET", f"/v1/conversations/{conv}/messages?limit=200",
                        token=who["token"])
    return status, body


def seqs(messages):
    return sorted(m["seq"] for m in messages)


def test_create_and_describe_a_group(node, pg):
    alice, bob, carol = (new_user(node.base) for _ in range(3))

    async def main():
        b = await Client.connect(node, bob["token"])
        group = create_group(node, alice, [bob, carol], title="Climbing")
        conv = group["conversation_id"]
        assert group["title"] == "Climbing" and group["admins"] == [alice["user_id"]]
        assert set(group["members"]) == {alice["user_id"], bob["user_id"], carol["user_id"]}
        # Online members hear of it at once: the creation is a system message.
        created = await b.expect("message", where=lambda f: f["conversation"] == conv)
        assert created["seq"] == 1 and created["body_type"] == "system"
        assert created["from"] == alice["user_id"]
        status, info = http(node.base, "GET", f"/v1/conversations/{conv}", token=bob["token"])
        assert status == 200
        assert (info["kind"], info["title"], info["admins"], info["last_seq"]) == \
            ("group", "Climbing", [alice["user_id"]], 1)
        assert sorted(info["members"]) == sorted(group["members"])
        stranger = new_user(node.base)
        status, body = http(node.base, "GET", f"/v1/conversations/{conv}",
                            token=stranger["token"])
        assert (status, body["code"]) == (403, "not_a_member")
        status, body = http(node.base, "GET", "/v1/conversations/1", token=bob["token"])
        assert (status, body["code"]) == (404, "no_such_conversation")
        status, listing = http(node.base, "GET", "/v1/conversations", token=carol["token"])
        entry = [c for c in listing["conversations"] if c["conversation_id"] == conv][0]
        assert entry["kind"] == "group" and entry["title"] == "Climbing"
        assert entry["unread"] == 0, "system messages are not unread"
        await b.close()

    run(main())


def test_a_connected_member_gets_the_creation_once(node):
    # The creation is seq 1 of the group's order: a device that saw it live
    # does not get it again when seq 2 follows (a gap it would fill).
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        conv = create_group(node, alice, [bob])["conversation_id"]
        await b.expect("message", where=lambda f: f["conversation"] == conv and f["seq"] == 1)
        ack = await a.send_message("after-creation", "hello", conversation=conv)
        assert ack["type"] == "ack" and ack["seq"] == 2
        frames = await b.quiet(1.5)
        seqs_seen = [f["seq"] for f in frames
                     if f.get("type") == "message" and f["conversation"] == conv]
        assert seqs_seen == [2], seqs_seen
        await a.close()
        await b.close()

    run(main())


def test_group_bad_input_stores_nothing(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)
    many = [{"user_id": str(int(bob["user_id"]) + i)} for i in range(0)]
    before = pg.query("SELECT count(*) FROM conversations")[0][0]
    unknown = str(int(bob["user_id"]) + 999)
    cases = [
        ({"title": "x", "members": []}, 400, "no_members"),
        ({"title": "x", "members": [alice["user_id"]]}, 400, "no_members"),
        ({"title": "x", "members": [bob["user_id"], bob["user_id"]]}, 400, "duplicate_member"),
        ({"title": "x", "members": [bob["user_id"], unknown]}, 404, "no_such_user"),
        ({"title": "x", "members": [str(i) for i in range(1, MAX_GROUP + 1)]}, 400,
         "too_many_members"),
        ({"members": [bob["user_id"]]}, 400, "missing_field"),
        ({"title": "", "members": [bob["user_id"]]}, 400, "invalid_field"),
        ({"title": "x" * 129, "members": [bob["user_id"]]}, 400, "invalid_field"),
        ({"title": "x", "members": [int(bob["user_id"])]}, 400, "invalid_field"),
        ({"title": "x", "members": bob["user_id"]}, 400, "invalid_field"),
        ({"title": "x"}, 400, "missing_field"),
    ]
    for body, status, code in cases:
        got_status, got = http(node.base, "POST", "/v1/conversations", body,
                               token=alice["token"])
        assert (got_status, got["code"]) == (status, code), (body, got)
        assert got["message"]
    status, _ = http(node.base, "POST", "/v1/conversations",
                     {"title": "x", "members": [bob["user_id"]]})
    assert status == 401
    assert pg.query("SELECT count(*) FROM conversations")[0][0] == before
    assert not many


def test_fifty_members_see_one_order(node):
    users = [new_user(node.base) for _ in range(50)]
    group = create_group(node, users[0], users[1:], title="fifty")
    conv = group["conversation_id"]
    senders, per_sender = users[:3], 20

    async def main():
        clients = [await Client.connect(node, u["token"]) for u in users]

        async def send_all(i):
            for n in range(per_sender):
                await clients[i].send({"type": "send", "id": f"s{i}-{n}",
                                       "conversation": conv, "body": f"from {i} #{n}"})

        async def receive(i):
            # Every member device gets every message except its own sends;
            # senders also wait for their acks.
            is_sender = i < len(senders)
            expected = len(senders) * per_sender - (per_sender if is_sender else 0)
            messages, acks = [], 0
            while len(messages) < expected or (is_sender and acks < per_sender):
                f = await clients[i].recv(timeout=30)
                if f["type"] == "message":
                    messages.append((f["seq"], f["msg_id"]))
                acks += f["type"] == "ack"
            return messages

        receivers = [asyncio.ensure_future(receive(i)) for i in range(len(users))]
        await asyncio.gather(*(send_all(i) for i in range(len(senders))))
        seen = await asyncio.gather(*receivers)
        everything = {}
        for frames in seen:
            assert [s for s, _ in frames] == sorted(s for s, _ in frames), \
                "a device sees a conversation in seq order"
            for seq, msg_id in frames:
                assert everything.setdefault(seq, msg_id) == msg_id, "one message per seq"
        assert len(everything) == len(senders) * per_sender
        assert sorted(everything) == list(range(2, 2 + len(senders) * per_sender))
        for c in clients:
            await c.close()

    run(main())


def test_add_remove_leave_and_history_visibility(node):
    alice, bob, carol, dave = (new_user(node.base) for _ in range(4))
    conv = create_group(node, alice, [bob])["conversation_id"]

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        await a.send_message("m1", "before carol", conversation=conv)     # seq 2
        status, added = add(node, alice, conv, [carol])                     # seq 3
        assert status == 200 and added["seq"] == 3 and added["added"] == [carol["user_id"]]
        sysmsg = await b.expect("message", where=lambda f: f["seq"] == 3)
        assert sysmsg["body_type"] == "system" and '"added"' in sysmsg["body"]
        c = await Client.connect(node, carol["token"])
        await a.send_message("m2", "carol is here", conversation=conv)    # seq 4
        assert (await c.expect("message"))["seq"] == 4
        status, h = history(node, carol, conv)
        assert status == 200 and seqs(h["messages"]) == [3, 4], "history from the join on"

        # Only admins add or remove others; anyone may leave.
        for status, body in (add(node, bob, conv, [dave]), remove(node, bob, conv, carol)):
            assert (status, body["code"]) == (403, "not_admin")
        status, body = add(node, alice, conv, [bob])
        assert (status, body["code"]) == (409, "already_member")
        status, body = http(node.base, "POST", f"/v1/conversations/{conv}/members",
                            {"user_id": bob["user_id"]}, token=alice["token"])
        assert (status, body["code"]) == (409, "already_member"), "the one-user form"
        for bad, code in (({"members": []}, "no_members"), ({}, "missing_field"),
                          ({"members": [bob["user_id"], bob["user_id"]]}, "duplicate_member"),
                          ({"user_id": 5}, "invalid_field")):
            status, body = http(node.base, "POST", f"/v1/conversations/{conv}/members",
                                bad, token=alice["token"])
            assert (status, body["code"]) == (400, code), (bad, body)
        status, body = remove(node, alice, conv, dave)
        assert (status, body["code"]) == (404, "no_such_member")
        status, body = http(node.base, "POST", f"/v1/conversations/{conv}/members",
                            {"members": [str(int(dave["user_id"]) + 777)]},
                            token=alice["token"])
        assert (status, body["code"]) == (404, "no_such_user")
        status, left = remove(node, bob, conv, bob)                          # seq 5
        assert status == 200 and left["seq"] == 5
        last = await b.expect("message", where=lambda f: f["seq"] == 5)
        assert '"left"' in last["body"], "the leaver sees their own leaving"
        err = await b.send_message("m3", "am I still here?", conversation=conv)
        assert (err["type"], err["code"]) == ("error", "not_a_member")
        await a.send_message("m4", "bob is gone", conversation=conv)      # seq 6
        await c.expect("message", where=lambda f: f["seq"] == 6)
        assert not [f for f in await b.quiet(0.5) if f["type"] == "message"], \
            "nothing after leaving"
        status, h = history(node, bob, conv)
        assert status == 200 and seqs(h["messages"]) == [1, 2, 3, 4, 5], \
            "a former member reads up to their leaving, not after"
        status, _ = http(node.base, "GET", f"/v1/conversations/{conv}", token=bob["token"])
        assert status == 403
        status, listing = http(node.base, "GET", "/v1/conversations", token=bob["token"])
        assert conv not in [x["conversation_id"] for x in listing["conversations"]]

        # The last admin leaves: the longest-standing member is promoted.
        status, _ = remove(node, alice, conv, alice)                         # seq 7
        assert status == 200
        status, info = http(node.base, "GET", f"/v1/conversations/{conv}", token=carol["token"])
        assert info["admins"] == [carol["user_id"]] and info["members"] == [carol["user_id"]]
        # Rejoining starts a new range.
        status, _ = add(node, carol, conv, [bob])                            # seq 8
        assert status == 200
        status, h = history(node, bob, conv)
        assert seqs(h["messages"]) == [8], "rejoining shows history from the rejoin"
        # Groups only.
        direct = (await a.send_message("d1", "hi", to=dave["user_id"]))["conversation"]
        status, body = add(node, alice, direct, [carol])
        assert (status, body["code"]) == (400, "not_a_group")
        for x in (a, b, c):
            await x.close()

    run(main())


def test_group_size_limit_on_add(node):
    owner = new_user(node.base)
    others = [new_user(node.base) for _ in range(MAX_GROUP)]
    conv = create_group(node, owner, others[:MAX_GROUP - 2])["conversation_id"]
    status, body = add(node, owner, conv, others[MAX_GROUP - 2:])
    assert (status, body["code"]) == (400, "too_many_members")
    status, _ = add(node, owner, conv, others[MAX_GROUP - 2:MAX_GROUP - 1])
    assert status == 200, "up to the limit is fine"


def test_per_member_receipts_and_unread_counts(node):
    alice, bob, carol = (new_user(node.base) for _ in range(3))
    conv = create_group(node, alice, [bob, carol])["conversation_id"]

    def unread(user):
        _, listing = http(node.base, "GET", "/v1/conversations", token=user["token"])
        return [x for x in listing["conversations"] if x["conversation_id"] == conv][0]["unread"]

    def receipts(who, seq):
        return http(node.base, "GET", f"/v1/conversations/{conv}/receipts?seq={seq}",
                    token=who["token"])

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        c = await Client.connect(node, carol["token"])
        for i in range(3):
            await a.send_message(f"r{i}", f"msg {i}", conversation=conv)    # seq 2..4
        assert (unread(bob), unread(carol), unread(alice)) == (3, 3, 0)
        await b.send({"type": "receipt", "status": "read", "conversation": conv, "up_to": 4})
        r = await a.expect("receipt", where=lambda f: f["user"] == bob["user_id"])
        assert (r["status"], r["up_to"]) == ("read", 4), "the sender is told per member"
        await c.send({"type": "receipt", "status": "delivered", "conversation": conv,
                      "up_to": 3})
        r = await a.expect("receipt", where=lambda f: f["user"] == carol["user_id"])
        assert (r["status"], r["up_to"]) == ("delivered", 3)
        assert not [f for f in await b.quiet(0.5) if f["type"] == "receipt"], \
            "members who sent nothing in the range are not told"
        assert (unread(bob), unread(carol)) == (0, 3)
        status, body = receipts(alice, 4)
        assert status == 200
        assert (body["delivered"], body["read"], body["pending"]) == \
            ([bob["user_id"]], [bob["user_id"]], [carol["user_id"]])
        status, body = receipts(alice, 3)
        assert sorted(body["delivered"]) == sorted([bob["user_id"], carol["user_id"]])
        assert body["read"] == [bob["user_id"]] and body["from"] == alice["user_id"]
        # Who read alice's message is alice's to know, not the other members'.
        status, body = receipts(bob, 3)
        assert (status, body["code"]) == (403, "not_sender")
        for seq, code in ((99, "no_such_message"),):
            status, body = receipts(alice, seq)
            assert (status, body["code"]) == (404, code)
        for bad in ("0", "x", ""):
            status, body = http(node.base, "GET",
                                f"/v1/conversations/{conv}/receipts?seq={bad}",
                                token=alice["token"])
            assert (status, body["code"]) == (400, "invalid_parameter")
        stranger = new_user(node.base)
        status, body = receipts(stranger, 2)
        assert (status, body["code"]) == (403, "not_a_member")
        for x in (a, b, c):
            await x.close()

    run(main())
