"""Per-device envelopes on send (../shared/E2E.md §9) against a real parleyd
and PostgreSQL: the required-device check with exact `missing`, `extra` and
`owners`, nothing stored on a refusal, a resend with the same client id
stored once, each device receiving only its own envelope live, in sync, in
history and in long-poll, and revocation leaving the required set at once.
The envelopes here are opaque strings: the server never reads them."""
import json
import time

from e2e_keys import publish
from harness import (CLUSTER_ADMIN, Client, cluster_node, free_port, http, login, new_user,
                     run, wait_for)


def with_devices(node, n):
    """A user with `n` devices, each with published keys: [session, ...]."""
    first = new_user(node.base)
    devices = [first] + [{**first, **login(node.base, first["name"])} for _ in range(n - 1)]
    for d in devices:
        publish(node.base, http, d["token"])
    return devices


def envelopes_for(*devices, text=None):
    return {d["device_id"]: text if text is not None else f"env for {d['device_id']}"
            for d in devices}


def by_id(ids):
    return sorted(ids, key=int)


def count(pg, sql, *args):
    return pg.query(sql, *args)[0][0]


def test_each_device_gets_only_its_own_envelope(pg, node):
    a1, a2 = with_devices(node, 2)
    b1, b2 = with_devices(node, 2)

    async def main():
        peers = {d["device_id"]: await Client.connect(node, d["token"]) for d in (a2, b1, b2)}
        sender = await Client.connect(node, a1["token"])
        ack = await sender.send_message_frame(
            {"type": "send", "id": "m1", "to": b1["user_id"],
             "envelopes": envelopes_for(a2, b1, b2)}, "m1")
        assert ack["type"] == "ack", ack
        for device, ws in peers.items():
            got = await ws.expect("message")
            assert got["msg_id"] == ack["msg_id"]
            assert got["envelope"] == f"env for {device}"
            assert "body" not in got
        # stored: one message row without a body, one row per envelope
        msg = int(ack["msg_id"])
        assert pg.query("SELECT body FROM messages WHERE msg_id = %s", msg) == [(None,)]
        assert count(pg, "SELECT count(*) FROM envelopes WHERE msg_id = %s", msg) == 3
        # a body and envelopes: "" for a device that needs nothing pairwise
        ack2 = await sender.send_message_frame(
            {"type": "send", "id": "m2", "to": b1["user_id"], "body": "shared",
             "envelopes": {**envelopes_for(a2, b1), b2["device_id"]: ""}}, "m2")
        assert ack2["type"] == "ack", ack2
        got = await peers[b2["device_id"]].expect("message")
        assert got["body"] == "shared" and "envelope" not in got
        got = await peers[b1["device_id"]].expect("message",
                                                 where=lambda f: f["msg_id"] == ack2["msg_id"])
        assert (got["body"], got["envelope"]) == ("shared", f"env for {b1['device_id']}")
        for ws in [sender, *peers.values()]:
            await ws.close()
        # sync and history carry the reader's envelope only
        late = await Client.connect(node, b2["token"])
        await late.send({"type": "sync"})
        synced = await late.collect("message", 2)
        assert synced[0]["envelope"] == f"env for {b2['device_id']}"
        assert "envelope" not in synced[1]
        await late.close()
        status, page = http(node.base, "GET",
                            f"/v1/conversations/{ack['conversation']}/messages",
                            token=b1["token"])
        envelopes = {m["msg_id"]: m.get("envelope") for m in page["messages"]}
        assert envelopes == {ack["msg_id"]: f"env for {b1['device_id']}",
                             ack2["msg_id"]: f"env for {b1['device_id']}"}
        # long-poll, for a device that never acknowledged anything
        status, batch = http(node.base, "GET", "/v1/poll?timeout=1", token=a2["token"])
        polled = [e for e in batch["events"] if e["type"] == "message"]
        assert [e.get("envelope") for e in polled] == [f"env for {a2['device_id']}"] * 2
    run(main())


def test_stale_devices_names_missing_extra_and_owners(pg, node):
    a1, a2 = with_devices(node, 2)
    b1, b2 = with_devices(node, 2)
    gone = with_devices(node, 1)[0]
    assert http(node.base, "DELETE", "/v1/sessions/current", token=gone["token"])[0] == 204
    before = count(pg, "SELECT count(*) FROM messages")

    async def main():
        ws = await Client.connect(node, a1["token"])
        err = await ws.send_message_frame(
            {"type": "send", "id": "s1", "to": b1["user_id"],
             "envelopes": {**envelopes_for(a2, b1), gone["device_id"]: "x", "123": "y"}}, "s1")
        assert (err["type"], err["code"], err["ref"]) == ("error", "stale_devices", "s1")
        assert err["missing"] == [b2["device_id"]]
        assert err["extra"] == by_id([gone["device_id"], "123"])
        assert err["owners"] == {b2["device_id"]: b2["user_id"],
                                 gone["device_id"]: gone["user_id"]}
        assert count(pg, "SELECT count(*) FROM messages") == before
        # malformed envelopes are invalid_field; so is "" without a body
        for bad in ({"envelopes": []}, {"envelopes": {"abc": "x"}},
                    {"envelopes": {b1["device_id"]: 5}},
                    {"envelopes": {**envelopes_for(a2, b1), b2["device_id"]: ""}},
                    {"envelopes": {b1["device_id"]: "x" * 65537}}):
            err = await ws.send_message_frame({"type": "send", "id": "bad", "to": b1["user_id"],
                                               **bad}, "bad")
            assert (err["type"], err["code"]) == ("error", "invalid_field"), (bad, err)
        # neither body nor envelopes: the plain form's missing_field
        err = await ws.send_message_frame({"type": "send", "id": "nb", "to": b1["user_id"]},
                                          "nb")
        assert err["code"] == "missing_field"
        assert count(pg, "SELECT count(*) FROM messages") == before
        await ws.close()
    run(main())
    # over REST: 409 with the same fields
    status, body = http(node.base, "POST", "/v1/messages",
                        {"id": "r1", "to": b1["user_id"], "envelopes": envelopes_for(a2, b1)},
                        token=a1["token"])
    assert (status, body["code"], body["missing"], body["extra"]) == \
        (409, "stale_devices", [b2["device_id"]], [])
    assert body["owners"] == {b2["device_id"]: b2["user_id"]}


def test_a_new_device_is_required_at_once_and_a_resend_is_stored_once(pg, node):
    a1, a2 = with_devices(node, 2)
    b1, b2 = with_devices(node, 2)

    async def main():
        ws = await Client.connect(node, a1["token"])
        ack = await ws.send_message_frame(
            {"type": "send", "id": "n1", "to": b1["user_id"],
             "envelopes": envelopes_for(a2, b1, b2)}, "n1")
        assert ack["type"] == "ack"
        # bob adds a device mid-conversation
        b3 = {**b1, **login(node.base, b1["name"])}
        publish(node.base, http, b3["token"])
        err = await ws.send_message_frame(
            {"type": "send", "id": "n2", "to": b1["user_id"],
             "envelopes": envelopes_for(a2, b1, b2)}, "n2")
        assert (err["code"], err["missing"], err["extra"]) == \
            ("stale_devices", [b3["device_id"]], [])
        resend = {"type": "send", "id": "n2", "to": b1["user_id"],
                  "envelopes": envelopes_for(a2, b1, b2, b3)}
        ack2 = await ws.send_message_frame(resend, "n2")
        assert ack2["type"] == "ack" and ack2["seq"] == ack["seq"] + 1
        again = await ws.send_message_frame(resend, "n2")
        assert (again["msg_id"], again["seq"]) == (ack2["msg_id"], ack2["seq"])
        assert count(pg, "SELECT count(*) FROM messages WHERE sender_device = %s"
                     " AND client_id = %s", int(a1["device_id"]), '"n2"') == 1
        # a device signed out leaves the set at once: now it is extra
        assert http(node.base, "DELETE", "/v1/sessions/current", token=b2["token"])[0] == 204
        err = await ws.send_message_frame(
            {"type": "send", "id": "n3", "to": b1["user_id"],
             "envelopes": envelopes_for(a2, b1, b2, b3)}, "n3")
        assert (err["code"], err["missing"], err["extra"]) == \
            ("stale_devices", [], [b2["device_id"]])
        assert err["owners"] == {b2["device_id"]: b2["user_id"]}
        # a retry of the stored n2 is acked, whatever the devices are now
        again = await ws.send_message_frame(resend, "n2")
        assert again["type"] == "ack" and again["msg_id"] == ack2["msg_id"]
        await ws.close()
    run(main())


def test_no_devices_and_plain_sends(node):
    dave, erin = new_user(node.base), new_user(node.base)  # nobody has keys

    async def main():
        ws = await Client.connect(node, dave["token"])
        err = await ws.send_message_frame(
            {"type": "send", "id": "d1", "to": erin["user_id"], "envelopes": {}}, "d1")
        assert (err["type"], err["code"]) == ("error", "no_devices")
        ack = await ws.send_message_frame(
            {"type": "send", "id": "d2", "to": erin["user_id"], "body": "b", "envelopes": {}},
            "d2")
        assert ack["type"] == "ack"
        plain = await ws.send_message("d3", "plain as before", to=erin["user_id"])
        assert plain["type"] == "ack"
        await ws.close()
    run(main())
    status, body = http(node.base, "POST", "/v1/messages",
                        {"id": "d4", "to": erin["user_id"], "envelopes": {}},
                        token=dave["token"])
    assert (status, body["code"]) == (400, "no_devices")


def test_a_large_groups_envelopes_fit_in_one_frame(node):
    owner = with_devices(node, 1)[0]
    members = [with_devices(node, 1)[0] for _ in range(20)]
    status, group = http(node.base, "POST", "/v1/conversations",
                         {"title": "big", "members": [m["user_id"] for m in members]},
                         token=owner["token"])
    assert status == 201, group
    conv = group["conversation_id"]
    envelopes = {m["device_id"]: "e" * 60000 for m in members}  # a frame of about 1.2 MB

    async def main():
        ws = await Client.connect(node, owner["token"])
        frame = {"type": "send", "id": "g1", "conversation": conv, "body": "sender key msg",
                 "envelopes": envelopes}
        assert len(json.dumps(frame)) > 1024 * 1024
        ack = await ws.send_message_frame(frame, "g1")
        assert ack["type"] == "ack", ack
        await ws.close()
    run(main())
    status, body = http(node.base, "POST", "/v1/messages",
                        {"id": "g2", "conversation": conv, "body": "b", "envelopes": envelopes},
                        token=owner["token"])
    assert status == 200, body


def test_device_changes_reach_every_node_at_once(pg):
    """The sender on node 1, the recipient's devices changing through nodes
    2 and 3, the conversation wherever the ring put it: each change is in
    force for the very next send."""
    ports = [free_port() for _ in range(3)]
    nodes = [cluster_node(pg, 1, ports[0], [])]
    nodes += [cluster_node(pg, i + 1, ports[i], [ports[0]]) for i in (1, 2)]
    try:
        def all_up():
            for n in nodes:
                status, view = http(n.base, "GET", "/v1/cluster", token=CLUSTER_ADMIN)
                if status != 200 or view["live"] != 3:
                    return False
            return True
        wait_for(all_up, 15, "three nodes up")
        a1 = with_devices(nodes[0], 1)[0]
        b1 = with_devices(nodes[1], 1)[0]

        async def main():
            ws = await Client.connect(nodes[0], a1["token"])
            for round_ in range(4):
                # a new device of bob's, through node 2 or 3
                via = nodes[1 + round_ % 2]
                b_new = {**b1, **login(via.base, b1["name"])}
                publish(via.base, http, b_new["token"])
                err = await ws.send_message_frame(
                    {"type": "send", "id": f"c{round_}", "to": b1["user_id"],
                     "envelopes": envelopes_for(b1)}, f"c{round_}")
                assert (err["code"], err["missing"]) == ("stale_devices", [b_new["device_id"]])
                # signed out through the other node: no longer required
                other = nodes[2 - round_ % 2]
                assert http(other.base, "DELETE", "/v1/sessions/current",
                            token=b_new["token"])[0] == 204
                ack = await ws.send_message_frame(
                    {"type": "send", "id": f"c{round_}", "to": b1["user_id"],
                     "envelopes": envelopes_for(b1)}, f"c{round_}")
                assert ack["type"] == "ack", ack
            await ws.close()
        run(main())
    finally:
        for n in nodes:
            n.stop()


def test_delivered_envelopes_are_swept_after_the_retention(pg):
    from harness import Parleyd
    node = Parleyd(pg.url, extra=["--envelope-retention-days", "7",
                                  "--envelope-sweep-interval", "1"])
    try:
        a1 = with_devices(node, 1)[0]
        b1, b2 = with_devices(node, 2)

        async def main():
            ws = await Client.connect(node, a1["token"])
            ack = await ws.send_message_frame(
                {"type": "send", "id": "old", "to": b1["user_id"],
                 "envelopes": envelopes_for(b1, b2)}, "old")
            assert ack["type"] == "ack"
            reader = await Client.connect(node, b1["token"])  # b1 acknowledges, b2 not
            await reader.send({"type": "sync"})
            await reader.expect("message")
            await reader.send({"type": "receipt", "status": "delivered",
                               "conversation": ack["conversation"], "up_to": ack["seq"]})
            await reader.quiet(0.3)
            await ws.close()
            await reader.close()
            return int(ack["msg_id"])
        msg = run(main())
        kept = lambda: {r[0] for r in pg.query(
            "SELECT device_id FROM envelopes WHERE msg_id = %s", msg)}
        time.sleep(2)
        assert kept() == {int(b1["device_id"]), int(b2["device_id"])}, "not old enough yet"
        pg.query("UPDATE messages SET ts = ts - 8 * 86400000 WHERE msg_id = %s", msg)
        wait_for(lambda: kept() == {int(b2["device_id"])}, 10, "the acknowledged one swept")
        # a signed-out device's envelopes go with its keys
        assert http(node.base, "DELETE", "/v1/sessions/current", token=b2["token"])[0] == 204
        assert kept() == set()
    finally:
        node.stop()
