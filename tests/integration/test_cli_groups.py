"""Groups with sender keys through real CLI processes (E2E.md §11): groups
of 3, 50 and 200 members, each message one group body plus the sender key
for the devices that lack it; a removed member's key rotates away so it
cannot read later messages, and a new member cannot read earlier ones."""
import json
import sqlite3
import time

import pytest

from cli_client import Device, Listener
from e2e_keys import publish
from harness import http, new_user, unique_name


def token_of(device):
    with open(f"{device.home}/.config/parley/credentials.json") as f:
        return json.load(f)["token"]


def sender_key_ids(device, conversation):
    with sqlite3.connect(device.state_db(), timeout=30) as db:
        return {r[0] for r in db.execute(
            "SELECT key_id FROM their_sender_keys WHERE conversation = ?", (conversation,))}


def listen_until(device, last_text, settle=0.0):
    """Listens until `last_text` is shown (and `settle` seconds more); the
    messages shown, system messages left out."""
    listener = Listener(device, timeout_s=120)
    try:
        listener.wait_for(lambda l: any(m.get("text") == last_text for m in l.messages()),
                          90, last_text)
        time.sleep(settle)
    finally:
        assert listener.stop() == 0
    return [m for m in listener.messages() if m.get("t") != "system"]


@pytest.mark.parametrize("size", [3, 50, 200])
def test_group_messages_with_sender_keys(node, pg, size):
    tag = unique_name("g")
    a1 = Device(node, unique_name("alice"), register=True)
    a2 = Device(node, a1.username)  # the sender's other device reads its copies
    b1 = Device(node, unique_name("bob"), register=True)
    c1 = Device(node, unique_name("carol"), register=True)
    others = []
    for _ in range(size - 3):  # members with keys that only the sender addresses
        u = new_user(node.base)
        publish(node.base, http, u["token"])
        others.append(u["user_id"])
    status, conv = http(node.base, "POST", "/v1/conversations",
                        {"title": tag, "members": [b1.user_id, c1.user_id, *others]},
                        token=token_of(a1))
    assert status == 201, conv
    cid = conv["conversation_id"]

    first = a1.json("send-group", cid, f"{tag} one", timeout=180)
    assert first["encrypted"] is True and first["devices"] == size  # size-1 members + a2
    second = a1.json("send-group", cid, f"{tag} two", timeout=180)
    assert second["key_id"] == first["key_id"], "no rotation without a reason"
    # Only the body and an empty envelope for devices that hold the key.
    assert pg.query("SELECT count(*) FROM envelopes e JOIN messages m USING (msg_id)"
                    " WHERE m.msg_id = %s AND e.envelope <> ''", int(second["msg_id"]))[0][0] == 0
    for d in (a2, b1, c1):
        got = listen_until(d, f"{tag} two")
        assert [m["text"] for m in got] == [f"{tag} one", f"{tag} two"]
        assert all(m["group"] and m["encrypted"] for m in got)

    status, _ = http(node.base, "DELETE", f"/v1/conversations/{cid}/members/{c1.user_id}",
                     token=token_of(a1))
    assert status == 200
    third = a1.json("send-group", cid, f"{tag} three", timeout=180)
    assert third["key_id"] != first["key_id"], "a removed member's key is rotated away"
    assert third["key_id"] not in sender_key_ids(c1, cid)
    assert pg.query("SELECT count(*) FROM envelopes WHERE msg_id = %s AND device_id = %s",
                    int(third["msg_id"]), int(c1.device_id))[0][0] == 0
    assert [m["text"] for m in listen_until(b1, f"{tag} three")] == [f"{tag} three"]

    d1 = Device(node, unique_name("dave"), register=True)
    status, _ = http(node.base, "POST", f"/v1/conversations/{cid}/members",
                     {"members": [d1.user_id]}, token=token_of(a1))
    assert status == 200
    a1.json("send-group", cid, f"{tag} four", timeout=180)
    got = listen_until(d1, f"{tag} four", settle=1.0)
    assert [m["text"] for m in got] == [f"{tag} four"], "a new member reads from now on only"
    assert f"{tag} one".encode() not in pg.dump()
