"""The parley CLI against a real node: register, login (keys published),
send (encrypted by default), listen, history from the device's own state,
JSON output, exit codes, the credentials file and the state's modes."""
import hashlib
import json
import os
import stat
import tempfile
import time

from cli_client import Device, Listener, cli
from harness import PASSWORD, Parleyd, unique_name


def test_cli_round_trip(node):
    alice, bob = unique_name("alice"), unique_name("bob")
    home_a, home_b = tempfile.mkdtemp(), tempfile.mkdtemp()
    r = cli(node, home_a, "register", alice, "--password", PASSWORD)
    assert r.returncode == 0, r.stderr
    r = cli(node, home_b, "--json", "register", bob, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["user_id"]
    assert cli(node, home_a, "login", alice, "--password", PASSWORD).returncode == 0
    assert cli(node, home_b, "login", bob, PASSWORD).returncode == 0  # positional password
    creds = os.path.join(home_a, ".config", "parley", "credentials.json")
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(creds)).st_mode) == 0o700
    state = os.path.join(home_a, ".config", "parley", "state.db")
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600

    r = cli(node, home_a, "send", bob, "hello from the cli")
    assert r.returncode == 0, r.stderr
    r = cli(node, home_a, "send", bob, "second", "--json")  # global flags may follow
    ack = json.loads(r.stdout)
    assert ack["type"] == "ack" and ack["seq"] == 2
    assert ack["encrypted"] is True and ack["devices"] == 1

    # bob was offline: listen syncs and prints both, then exits on --count.
    r = cli(node, home_b, "--json", "listen", "--count", "2", "--timeout", "20")
    assert r.returncode == 0, r.stderr
    msgs = [json.loads(line) for line in r.stdout.splitlines()]
    got = [m for m in msgs if m["type"] == "message"]
    assert [m["text"] for m in got] == ["hello from the cli", "second"]
    assert all(m["encrypted"] is True and m["t"] == "text" and m["group"] is False for m in got)
    r = cli(node, home_b, "listen", "--timeout", "2")
    assert "hello from the cli" not in r.stdout, "delivered receipts were stored by listen"

    r = cli(node, home_a, "history", bob)
    assert r.returncode == 0
    assert r.stdout.splitlines() == ["[1] me: hello from the cli", "[2] me: second"]
    r = cli(node, home_b, "--json", "history", alice)
    assert [m["seq"] for m in json.loads(r.stdout)["messages"]] == [1, 2]  # oldest first

    # --plaintext: the old body, readable by the server, shown as such.
    r = cli(node, home_a, "--json", "send", bob, "in clear", "--plaintext")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["encrypted"] is False
    r = cli(node, home_b, "--json", "listen", "--count", "1", "--timeout", "20")
    m = json.loads(r.stdout.splitlines()[0])
    assert (m["encrypted"], m["t"], m["text"]) == (False, "text", "in clear")
    r = cli(node, home_b, "history", alice)
    assert r.stdout.splitlines()[-1] == "[3] (unencrypted) " + alice + ": in clear"


def test_cli_failures(node):
    home = tempfile.mkdtemp()
    r = cli(node, home, "send", "someone", "hi")
    assert r.returncode == 4 and "not logged in" in r.stderr
    name = unique_name("carol")
    assert cli(node, home, "register", name, "--password", PASSWORD).returncode == 0
    r = cli(node, home, "register", name, "--password", PASSWORD)
    assert r.returncode == 1 and "username_taken" in r.stderr
    r = cli(node, home, "login", name, "--password", "wrong password!")
    assert r.returncode == 1 and "bad_credentials" in r.stderr
    assert cli(node, home, "login", name, "--password", PASSWORD).returncode == 0
    r = cli(node, home, "send", "no_such_person_here", "hi")
    assert r.returncode == 1 and "no_such_user" in r.stderr
    r = cli(node, home, "--server", "http://127.0.0.1:1", "send", name, "hi")
    assert r.returncode == 3 and "cannot reach" in r.stderr
    r = cli(node, home, "--server", "ftp://x", "send", name, "hi")
    assert r.returncode == 2
    r = cli(node, home, "frobnicate")
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) >= 1
    assert cli(node, home, "logout").returncode == 0
    assert not os.path.exists(os.path.join(home, ".config", "parley", "state.db"))
    r = cli(node, home, "send", name, "hi")
    assert r.returncode == 4


def test_cli_send_file_and_fetch(node):
    """send-file encrypts the file and sends its key; the receiver's listen
    shows how to fetch it; fetch checks and decrypts with the stored key
    and keeps nothing that does not verify."""
    alice, bob = unique_name("alice"), unique_name("bob")
    home_a, home_b = tempfile.mkdtemp(), tempfile.mkdtemp()
    for name, home in ((alice, home_a), (bob, home_b)):
        assert cli(node, home, "register", name, "--password", PASSWORD).returncode == 0
        assert cli(node, home, "login", name, "--password", PASSWORD).returncode == 0
    data = os.urandom(3 * 1024 * 1024 + 5)
    path = os.path.join(home_a, "holiday.JPG")
    with open(path, "wb") as f:
        f.write(data)

    r = cli(node, home_a, "--json", "send-file", bob, path)
    assert r.returncode == 0, r.stderr
    sent = json.loads(r.stdout)
    assert sent["type"] == "ack" and sent["encrypted"] is True
    media = sent["media"]
    assert media["size"] == len(data) and media["sha256"] != hashlib.sha256(data).hexdigest()
    assert (media["content_type"], media["name"]) == ("image/jpeg", "holiday.JPG")

    r = cli(node, home_b, "--json", "listen", "--count", "1", "--timeout", "20")
    msg = json.loads(r.stdout.splitlines()[0])
    assert msg["t"] == "media" and "key" not in msg
    assert {k: msg[k] for k in media} == media
    r = cli(node, home_b, "history", alice)
    assert "holiday.JPG" in r.stdout and "parley fetch " + media["media_id"] in r.stdout

    out = os.path.join(home_b, "got.jpg")
    r = cli(node, home_b, "fetch", media["media_id"], "-o", out)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read() == data
    # --raw: what the server stores, which is not the file.
    raw = os.path.join(home_b, "raw.bin")
    r = cli(node, home_b, "--json", "fetch", media["media_id"], "-o", raw, "--raw")
    assert r.returncode == 0, r.stderr
    with open(raw, "rb") as f:
        stored = f.read()
    assert hashlib.sha256(stored).hexdigest() == media["sha256"] and data not in stored
    # A wrong announced hash: refused, nothing kept.
    bad = os.path.join(home_b, "bad.jpg")
    r = cli(node, home_b, "fetch", media["media_id"], "-o", bad, "--sha256", "0" * 64)
    assert r.returncode == 1 and "sha256 mismatch" in r.stderr
    assert not os.path.exists(bad) and not os.path.exists(bad + ".part")
    # Unknown media, a key this device never got, missing file, no login.
    r = cli(node, home_b, "fetch", "f" * 32, "-o", bad)
    assert r.returncode == 1 and "no key for media" in r.stderr and not os.path.exists(bad)
    r = cli(node, home_b, "fetch", "f" * 32, "-o", bad, "--raw")
    assert r.returncode == 1 and "no_such_media" in r.stderr and not os.path.exists(bad)
    r = cli(node, home_a, "send-file", bob, os.path.join(home_a, "missing.bin"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = cli(node, tempfile.mkdtemp(), "send-file", bob, path)
    assert r.returncode == 4


def test_cli_prints_server_text_with_controls_escaped(node):
    alice, bob = unique_name("alice"), unique_name("bob")
    home_a, home_b = tempfile.mkdtemp(), tempfile.mkdtemp()
    for home, name in ((home_a, alice), (home_b, bob)):
        assert cli(node, home, "register", name, stdin=PASSWORD + "\n").returncode == 0
        assert cli(node, home, "login", name, stdin=PASSWORD + "\n").returncode == 0
    evil = "clear\x1b[2J\x1b]0;owned\x07 title\x9b31m"
    r = cli(node, home_a, "send", bob, evil)
    assert r.returncode == 0, r.stderr
    r = cli(node, home_b, "listen", "--count", "1", "--timeout", "20")
    assert r.returncode == 0 and "\x1b" not in r.stdout and "owned" in r.stdout, r.stdout
    r = cli(node, home_b, "history", alice)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
    assert "clear\\x1b[2J\\x1b]0;owned\\x07 title\\u009b31m" in r.stdout, r.stdout
    # --json keeps the exact text (JSON escapes it for whoever reads it).
    r = cli(node, home_b, "--json", "history", alice)
    assert json.loads(r.stdout)["messages"][0]["text"] == evil


def test_cli_help_does_not_recommend_the_password_flag(node):
    r = cli(node, tempfile.mkdtemp(), "login", "--help")
    assert "prefer the flag" not in r.stdout
    assert "prompt" in r.stdout


def test_cli_listen_keeps_a_quiet_connection_alive(pg):
    """The server closes a websocket silent for --idle-timeout; listen pings
    every 25 s, so a message after 35 quiet seconds still arrives."""
    quiet = Parleyd(pg.url, extra=["--idle-timeout", "30"])
    try:
        alice, bob = unique_name("alice"), unique_name("bob")
        home_a, home_b = tempfile.mkdtemp(), tempfile.mkdtemp()
        for home, name in ((home_a, alice), (home_b, bob)):
            assert cli(quiet, home, "register", name, "--password", PASSWORD).returncode == 0
            assert cli(quiet, home, "login", name, "--password", PASSWORD).returncode == 0
        listener = Listener(Device.at(quiet, home_b), timeout_s=60, count=1)
        time.sleep(35)
        assert cli(quiet, home_a, "send", bob, "still there?").returncode == 0
        assert listener.proc.wait(timeout=30) == 0, listener.errors
        listener.stop()
        assert [m["text"] for m in listener.messages()] == ["still there?"]
    finally:
        quiet.stop()
