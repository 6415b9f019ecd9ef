"""End-to-end encryption through real CLI processes and a real parleyd and
PostgreSQL (E2E.md §9, §12, §13): two users with two devices each, the
stale_devices retry, identity changes and safety numbers; the database
never holds a plaintext."""
import json
import os
import secrets
import signal
import sqlite3
import subprocess

from cli_client import Device, Listener, cli
from e2e_keys import publish
from harness import PARLEY_CLI, PASSWORD, http, login, unique_name


def start_send(device, peer, text):
    env = {**os.environ, "HOME": device.home, "PARLEY_SERVER": device.node.base}
    return subprocess.Popen([PARLEY_CLI, "--json", "send", peer, text], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored_messages(device):
    """The decrypted history in the device's own state, by msg_id."""
    with sqlite3.connect(device.state_db(), timeout=30) as db:
        rows = db.execute("SELECT json FROM messages").fetchall()
    return {m["msg_id"]: m for m in (json.loads(r[0]) for r in rows)}


def test_two_users_two_devices_exchange_500_messages(node, pg):
    """Interleaved sends from all four devices (sometimes two processes of
    one device at once, so a later ratchet step can commit first), two
    devices online whose listeners are stopped and killed mid-run, two that
    only sync at the end: every device decrypts every message meant for it,
    exactly once, and pg_dump shows none of the texts."""
    alice, bob = unique_name("alice"), unique_name("bob")
    a1, b1 = Device(node, alice, register=True), Device(node, bob, register=True)
    a2, b2 = Device(node, alice), Device(node, bob)
    devices = [a1, a2, b1, b2]
    peer_of = {id(a1): bob, id(a2): bob, id(b1): alice, id(b2): alice}
    tag = secrets.token_hex(8)
    listeners = {id(a1): [Listener(a1)], id(b1): [Listener(b1)]}
    sent = []  # (device, text)
    round_ = 0
    while len(sent) < 500:
        batch = [(d, f"secret-{tag}-{len(sent) + i}") for i, d in enumerate(devices)]
        if round_ % 7 == 3:
            batch.append((a1, f"secret-{tag}-{len(sent) + len(batch)}"))  # a1 twice at once
        batch = batch[:500 - len(sent)]
        procs = [(d, text, start_send(d, peer_of[id(d)], text)) for d, text in batch]
        for d, text, p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, (text, err)
            ack = json.loads(out)
            assert ack["encrypted"] is True and ack["devices"] == 3
            sent.append((d, text))
        round_ += 1
        if round_ == 40:  # a clean reconnect
            assert listeners[id(a1)][-1].stop() == 0
            listeners[id(a1)].append(Listener(a1))
        if round_ == 80:  # a crash: what was stored but not receipted comes again
            listeners[id(b1)][-1].stop(signal.SIGKILL)
            listeners[id(b1)].append(Listener(b1))
    for d in (a1, b1):
        expected = {text for s, text in sent if s is not d}
        last = listeners[id(d)][-1]
        last.wait_for(lambda l: expected <= {m.get("text") for m in l.messages()}
                      | {m.get("text") for m in stored_messages(d).values()},
                      120, "every message")
        for l in listeners[id(d)]:
            l.stop()
    for d in (a2, b2):
        expected_n = sum(1 for s, _ in sent if s is not d)
        r = d.run("--json", "listen", "--count", str(expected_n), "--timeout", "120",
                  timeout=180)
        assert r.returncode == 0, r.stderr
    for d in devices:
        stored = stored_messages(d)
        texts = [m.get("text") for m in stored.values()]
        assert not [m for m in stored.values() if "error" in m], "undecryptable messages"
        assert sorted(texts) == sorted(text for _, text in sent), "lost or doubled messages"
        shown = [m["msg_id"] for l in listeners.get(id(d), []) for m in l.messages()]
        assert len(shown) == len(set(shown)), "a message was shown twice"
    dump = pg.dump()
    assert f"secret-{tag}".encode() not in dump
    assert pg.query("SELECT count(*) FROM messages WHERE body IS NOT NULL AND body LIKE %s",
                    f"%{tag}%")[0][0] == 0


def test_a_new_device_is_fetched_and_a_revoked_one_dropped(node, pg):
    alice, bob = unique_name("alice"), unique_name("bob")
    a1, b1 = Device(node, alice, register=True), Device(node, bob, register=True)
    assert a1.json("send", bob, "before")["devices"] == 1
    b2 = Device(node, bob)  # alice's client does not know it yet
    ack = a1.json("send", bob, "after the new device")
    assert ack["devices"] == 2
    # Refused with b2 missing, resent with the same client id: stored once.
    rows = pg.query("SELECT count(*) FROM messages WHERE client_id = %s",
                    json.dumps(ack["id"]))  # kept as the frame spelt it
    assert rows[0][0] == 1
    assert pg.query("SELECT count(*) FROM envelopes e JOIN messages m USING (msg_id)"
                    " WHERE m.client_id = %s", json.dumps(ack["id"]))[0][0] == 2
    r = b2.run("--json", "listen", "--count", "1", "--timeout", "20")
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [m["text"] for m in got if m["type"] == "message"] == ["after the new device"]
    # b2 signs out: reported extra, forgotten, the send goes to b1 alone.
    assert b2.run("logout").returncode == 0
    assert a1.json("send", bob, "after the logout")["devices"] == 1
    r = a1.run("--json", "devices", bob)
    assert [d["device_id"] for d in json.loads(r.stdout)["devices"]] == [b1.device_id]


def test_a_user_without_keys_cannot_be_sent_to(node):
    alice = unique_name("alice")
    a1 = Device(node, alice, register=True)
    nobody = unique_name("nokeys")
    status, _ = http(node.base, "POST", "/v1/users", {"username": nobody, "password": "correct horse battery"})
    assert status == 201
    r = a1.run("send", nobody, "hello?")
    assert r.returncode == 1 and "no device with keys" in r.stderr
    r = a1.run("send", nobody, "hello?", "--plaintext")
    assert r.returncode == 0, r.stderr


def test_safety_numbers_devices_and_a_changed_identity(node, pg):
    alice, bob = unique_name("alice"), unique_name("bob")
    a1, b1 = Device(node, alice, register=True), Device(node, bob, register=True)
    sa = a1.json("safety-number", bob)
    sb = b1.json("safety-number", alice)
    assert sa["safety_number"] == sb["safety_number"]
    groups = sa["safety_number"].split(" ")
    assert len(groups) == 12 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert a1.run("safety-number", bob).stdout.strip() == sa["safety_number"]
    listed = a1.json("devices", alice)["devices"]
    assert [d["device_id"] for d in listed] == [a1.device_id]
    fp = listed[0]["fingerprint"].split(" ")
    assert len(fp) == 8 and all(len(g) == 4 for g in fp)
    assert "(this device)" in a1.run("devices", alice).stdout

    b2 = Device(node, bob)
    assert a1.json("safety-number", bob)["safety_number"] != sa["safety_number"]
    a1.json("send", bob, "to both")

    # b2 signs out and the same device id comes back with other keys.
    assert b2.run("logout").returncode == 0
    session = login(node.base, bob, device_id=b2.device_id)
    publish(node.base, http, session["token"])
    r = a1.run("devices", bob)
    assert r.returncode == 0
    line = [l for l in r.stdout.splitlines() if l.startswith(b2.device_id)][0]
    assert "(identity changed)" in line
    assert "identity" in r.stderr and "changed" in r.stderr
    r = a1.run("--json", "send", bob, "after the change")
    assert r.returncode == 0, r.stderr
    # The changed identity stays marked, and --json says so as a warning
    # when it is first seen.
    assert any(d["identity_changed"] for d in a1.json("devices", bob)["devices"])


def test_prekeys_are_topped_up_and_the_signed_prekey_replaced(node, pg):
    alice, bob = unique_name("alice"), unique_name("bob")
    a1, b1 = Device(node, alice, register=True), Device(node, bob, register=True)
    claimer = login(node.base, alice)
    for _ in range(91):  # 9 left: below 10, the server says keys_low
        status, _ = http(node.base, "GET", f"/v1/keys/{b1.user_id}", token=claimer["token"])
        assert status == 200
    b1.run("listen", "--timeout", "3")  # keys_low comes right after ready
    token = json.load(open(f"{b1.home}/.config/parley/credentials.json"))["token"]
    status, keys = http(node.base, "GET", "/v1/keys", token=token)
    assert (status, keys["one_time_prekeys"]) == (200, 100)
    top = pg.query("SELECT max(key_id) FROM one_time_prekeys WHERE device_id = %s",
                   int(b1.device_id))[0][0]
    assert top == 191, "new one-time prekey ids continue upwards"
    # A signed prekey made 8 days ago is replaced by the next command.
    with sqlite3.connect(b1.state_db()) as db:
        db.execute("UPDATE signed_prekeys SET created_ms = created_ms - 8 * 86400000")
    assert keys["signed_prekey_id"] == 1
    assert b1.run("devices", alice).returncode == 0
    status, keys = http(node.base, "GET", "/v1/keys", token=token)
    assert keys["signed_prekey_id"] == 2
    # Messages still open: new sessions on the new prekey.
    assert a1.json("send", bob, "after the rotation")["devices"] == 1
    r = b1.run("--json", "listen", "--count", "1", "--timeout", "20")
    assert json.loads(r.stdout.splitlines()[-1])["text"] == "after the rotation"


def test_a_login_whose_keys_cannot_be_published_is_undone(node, pg):
    alice = unique_name("alice")
    a1 = Device(node, alice, register=True)
    home = a1.home + "-second"
    os.makedirs(home)
    pg.query("REVOKE INSERT ON device_keys FROM parley_app")
    try:
        r = cli(node, home, "login", alice, "--password", PASSWORD)
    finally:
        pg.query("GRANT INSERT ON device_keys TO parley_app")
    assert r.returncode == 1 and "logged out" in r.stderr, r.stderr
    assert not os.path.exists(f"{home}/.config/parley/credentials.json")
    assert not os.path.exists(f"{home}/.config/parley/state.db")
    unrevoked = pg.query("SELECT count(*) FROM tokens t JOIN devices d USING (device_id)"
                         " WHERE d.user_id = %s AND t.revoked_at IS NULL", int(a1.user_id))
    assert unrevoked[0][0] == 1, "the new device's token was revoked again"
