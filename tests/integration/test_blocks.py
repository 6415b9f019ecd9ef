"""Blocking: a blocked user's 1:1 messages are accepted but never
delivered to the blocker, they no longer see the blocker's presence or
typing, the blocker cannot message them; groups are not affected."""
from harness import Client, http, login, new_user, run


def block(node, who, other, on=True):
    return http(node.base, "PUT" if on else "DELETE", f"/v1/blocks/{other['user_id']}",
                token=who["token"])


def test_block_bad_input(node):
    alice = new_user(node.base)
    assert block(node, alice, alice)[1]["code"] == "cannot_block_self"
    assert block(node, alice, alice)[0] == 400
    status, body = block(node, alice, {"user_id": str(int(alice["user_id"]) + 4242)})
    assert (status, body["code"]) == (404, "no_such_user")
    status, body = http(node.base, "PUT", "/v1/blocks/abc", token=alice["token"])
    assert (status, body["code"]) == (400, "invalid_parameter")
    status, _ = http(node.base, "PUT", f"/v1/blocks/{alice['user_id']}")
    assert status == 401
    status, body = http(node.base, "POST", f"/v1/blocks/{alice['user_id']}",
                        token=alice["token"])
    assert status == 405
    status, body = http(node.base, "GET", "/v1/blocks", token=alice["token"])
    assert (status, body) == (200, {"blocks": []}), "nothing refused was stored"


def test_blocked_users_messages_are_accepted_but_never_delivered(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)
    bob2 = login(node.base, bob["name"])

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        b2 = await Client.connect(node, bob2["token"])
        conv = (await b.send_message("before", "hello", to=alice["user_id"]))["conversation"]
        await a.expect("message")
        await b2.expect("message")
        await b.send({"type": "presence.subscribe", "users": [alice["user_id"]]})
        assert (await b.expect("presence"))["online"] is True

        assert block(node, alice, bob)[0] == 204
        assert block(node, alice, bob)[0] == 204, "blocking twice is fine"
        status, body = http(node.base, "GET", "/v1/blocks", token=alice["token"])
        assert [x["user_id"] for x in body["blocks"]] == [bob["user_id"]]
        assert body["blocks"][0]["username"] == bob["name"]
        # Bob no longer sees alice's presence (pushed at once).
        hidden = await b.expect("presence")
        assert (hidden["online"], hidden["last_seen"]) == (False, None)

        ack = await b.send_message("during", "are you there?", to=alice["user_id"])
        assert ack["type"] == "ack", "the blocked sender cannot tell"
        assert (await b2.expect("message"))["body"] == "are you there?", \
            "the sender's own devices still get it"
        await b.send({"type": "typing", "conversation": conv})
        assert not [f for f in await a.quiet(0.7) if f["type"] in ("message", "typing")]
        err = await a.send_message("reply", "hi bob", to=bob["user_id"])
        assert (err["type"], err["code"]) == ("error", "blocked")
        status, body = http(node.base, "GET", f"/v1/conversations/{conv}/messages",
                            token=alice["token"])
        assert [m["body"] for m in body["messages"]] == ["hello"]
        status, body = http(node.base, "GET", f"/v1/conversations/{conv}/messages",
                            token=bob["token"])
        assert [m["body"] for m in body["messages"]] == ["are you there?", "hello"]
        _, listing = http(node.base, "GET", "/v1/conversations", token=alice["token"])
        assert [c["unread"] for c in listing["conversations"]] == [1], "only 'hello'"

        assert block(node, alice, bob, on=False)[0] == 204
        shown = await b.expect("presence")
        assert shown["online"] is True, "unblocked: presence shows again"
        await b.send_message("after", "unblocked?", to=alice["user_id"])
        assert (await a.expect("message"))["body"] == "unblocked?"
        # The message sent during the block is never delivered, even by sync.
        a2 = await Client.connect(node, login(node.base, alice["name"])["token"])
        await a2.send({"type": "sync"})
        bodies = [f["body"] for f in await a2.collect("message", 2)]
        assert bodies == ["hello", "unblocked?"]
        await a2.expect("sync.done")
        assert pg.query("SELECT count(*) FROM messages WHERE conversation_id = %s",
                        int(conv))[0][0] == 3, "alice's refused reply was not stored"
        for c in (a, b, b2, a2):
            await c.close()

    run(main())


def test_groups_are_not_affected_by_blocks(node):
    alice, bob = new_user(node.base), new_user(node.base)
    status, group = http(node.base, "POST", "/v1/conversations",
                         {"title": "g", "members": [bob["user_id"]]}, token=alice["token"])
    assert status == 201
    assert block(node, alice, bob)[0] == 204

    async def main():
        a = await Client.connect(node, alice["token"])
        b = await Client.connect(node, bob["token"])
        await b.send_message("g1", "in the group", conversation=group["conversation_id"])
        assert (await a.expect("message", where=lambda f: f["seq"] == 2))["body"] == \
            "in the group"
        for c in (a, b):
            await c.close()

    run(main())


def test_nobody_is_added_to_a_group_by_someone_they_block(node):
    alice, bob, carol = (new_user(node.base) for _ in range(3))
    status, _ = http(node.base, "PUT", f"/v1/blocks/{alice['user_id']}", token=bob["token"])
    assert status == 204
    status, body = http(node.base, "POST", "/v1/conversations",
                        {"title": "t", "members": [bob["user_id"], carol["user_id"]]},
                        token=alice["token"])
    assert (status, body["code"]) == (403, "blocked"), body
    status, group = http(node.base, "POST", "/v1/conversations",
                         {"title": "t", "members": [carol["user_id"]]}, token=alice["token"])
    assert status == 201
    status, body = http(node.base, "POST", f"/v1/conversations/{group['conversation_id']}/members",
                        {"members": [bob["user_id"]]}, token=alice["token"])
    assert (status, body["code"]) == (403, "blocked"), body
    # Carol, whom bob does not block, may add him.
    status, _ = http(node.base, "POST", "/v1/conversations",
                     {"title": "u", "members": [bob["user_id"]]}, token=carol["token"])
    assert status == 201
