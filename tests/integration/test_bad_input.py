"""Every kind of bad input gets a specific error, the connection stays
usable, other connections keep being served, and nothing rejected is
stored."""
import asyncio
import json

import websockets

from harness import Client, http, new_user, run


def count_messages(pg):
    return pg.query("SELECT count(*) FROM messages")[0][0]


async def still_usable(client):
    await client.send({"type": "ping"})
    await client.expect("pong")


BAD_FRAMES = [
    ("{not json", "invalid_json", None),
    ('["an", "array"]', "invalid_frame", None),
    ('"just a string"', "invalid_frame", None),
    ("42", "invalid_frame", None),
    ('{"no_type": 1}', "missing_field", None),
    ('{"type": 7}', "invalid_field", None),
    ('{"type": "teleport"}', "unknown_type", None),
    ('{"type": "send", "to": "1", "body": "x"}', "missing_field", None),
    ('{"type": "send", "id": "b1", "body": "x"}', "missing_field", "b1"),
    ('{"type": "send", "id": "b2", "to": "1"}', "missing_field", "b2"),
    ('{"type": "send", "id": "b3", "to": 12345, "body": "x"}', "invalid_field", "b3"),
    ('{"type": "send", "id": "b4", "to": "abc", "body": "x"}', "invalid_field", "b4"),
    ('{"type": "send", "id": "b5", "to": "1", "body": 5}', "invalid_field", "b5"),
    ('{"type": "send", "id": ["x"], "to": "1", "body": "x"}', "invalid_field", None),
    ('{"type": "receipt", "status": "seen", "conversation": "1", "up_to": 1}', "invalid_field", None),
    ('{"type": "receipt", "status": "read", "conversation": 1, "up_to": 1}', "invalid_field", None),
    ('{"type": "receipt", "status": "read", "conversation": "1"}', "missing_field", None),
    ('{"type": "sync", "after": "x"}', "invalid_field", None),
    ('{"type": "typing"}', "missing_field", None),
    ('{"type": "auth", "token": "again"}', "already_authenticated", None),
]


def test_malformed_frames(node, pg):
    alice = new_user(node.base)

    async def main():
        c = await Client.connect(node, alice["token"])
        before = count_messages(pg)
        for text, code, ref in BAD_FRAMES:
            await c.send(text)
            err = await c.expect("error")
            assert err["code"] == code, (text, err)
            assert err["message"], "a human-readable message"
            if ref:
                assert err["ref"] == ref, (text, err)
            await still_usable(c)
        assert count_messages(pg) == before
        await c.close()

    run(main())


def test_oversize_body_and_frame(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        c = await Client.connect(node, alice["token"])
        before = count_messages(pg)
        ok = await c.send_message("fits", "a" * 65536, to=bob["user_id"])
        assert ok["type"] == "ack", "exactly 64 KiB is allowed"
        err = await c.send_message("big", "a" * 65537, to=bob["user_id"])
        assert (err["type"], err["code"], err["ref"]) == ("error", "body_too_large", "big")
        # frames may carry a large group's envelopes: up to 4 MiB
        await c.send(json.dumps({"type": "send", "id": "huge", "to": bob["user_id"],
                                 "body": "b" * (4 * 1024 * 1024 + 1)}))
        err = await c.expect("error")
        assert err["code"] == "frame_too_large"
        await still_usable(c)
        assert count_messages(pg) == before + 1
        await c.close()

    run(main())


def test_unknown_recipient_and_not_a_member(node, pg):
    alice, bob, carol = new_user(node.base), new_user(node.base), new_user(node.base)

    async def main():
        a = await Client.connect(node, alice["token"])
        ack = await a.send_message("ab", "private", to=bob["user_id"])
        conv = ack["conversation"]
        before = count_messages(pg)
        err = await a.send_message("ghost", "x", to="999999999999")
        assert (err["type"], err["code"], err["ref"]) == ("error", "no_such_user", "ghost")
        c = await Client.connect(node, carol["token"])
        err = await c.send_message("intrude", "x", conversation=conv)
        assert (err["code"], err["ref"]) == ("not_a_member", "intrude")
        err = await c.send_message("noconv", "x", conversation="123456789")
        assert err["code"] == "no_such_conversation"
        await c.send({"type": "receipt", "status": "read", "conversation": conv, "up_to": 1})
        assert (await c.expect("error"))["code"] == "not_a_member"
        await c.send({"type": "typing", "conversation": conv})
        assert (await c.expect("error"))["code"] == "not_a_member"
        await c.send({"type": "sync", "conversation": conv})
        assert (await c.expect("error"))["code"] == "not_a_member"
        await still_usable(c)
        assert count_messages(pg) == before
        for x in (a, c):
            await x.close()

    run(main())


def test_auth_failures(node):
    async def main():
        for first in ['{"type":"auth","token":"0000"}', '{"type":"ping"}', "garbage"]:
            c = await Client.connect(node, auth=False)
            await c.send(first)
            err = await c.expect("error")
            assert err["code"] == "unauthorized"
            assert await c.expect_close() == 4401

    run(main())


def test_flood_is_limited_and_others_keep_working(node, pg):
    alice, bob = new_user(node.base), new_user(node.base)

    async def main():
        flooder = await Client.connect(node, alice["token"])
        other = await Client.connect(node, bob["token"])
        codes, close_code = [], None
        try:
            for _ in range(20000):
                await flooder.send('{"type":"ping"}')
            while True:
                frame = await flooder.recv(10)
                if frame["type"] == "error":
                    codes.append(frame["code"])
        except websockets.ConnectionClosed as e:
            close_code = e.code
        assert "rate_limited" in codes
        assert close_code == 1008, "a flood is abuse: closed with 1008"
        # The rest of the node did not notice.
        ack = await other.send_message("calm", "still here", to=alice["user_id"])
        assert ack["type"] == "ack"
        await other.close()

    run(main())


def test_http_bad_input(node):
    alice = new_user(node.base)
    status, body = http(node.base, "POST", "/v1/users", raw=b"username=x")
    assert (status, body["code"]) == (400, "invalid_json")
    status, body = http(node.base, "POST", "/v1/users", raw=b"[1,2]")
    assert (status, body["code"]) == (400, "invalid_json")
    status, body = http(node.base, "POST", "/v1/sessions", raw=b"{")
    assert (status, body["code"]) == (400, "invalid_json")
    status, body = http(node.base, "POST", "/v1/users", {"username": 5, "password": "x" * 10})
    assert (status, body["code"]) == (400, "invalid_username")
    status, body = http(node.base, "POST", "/v1/users", raw=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert (status, body["code"]) == (413, "too_large")
    status, body = http(node.base, "GET", "/v1/nothing-here")
    assert (status, body["code"]) == (404, "not_found")
    status, body = http(node.base, "DELETE", "/v1/users")
    assert (status, body["code"]) == (405, "method_not_allowed")
    status, body = http(node.base, "GET", "/v1/conversations", token="not-a-token")
    assert (status, body["code"]) == (401, "unauthorized")
    status, body = http(node.base, "GET", "/v1/conversations/xyz/messages", token=alice["token"])
    assert (status, body["code"]) == (400, "invalid_parameter")
    status, body = http(node.base, "POST", "/v1/sessions", {"username": "a", "password": "b",
                                                             "device_id": 12})
    assert (status, body["code"]) == (400, "invalid_field")
