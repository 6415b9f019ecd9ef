"""The parley CLI against a real node: register, login, send, listen,
history, JSON output, exit codes and the credentials file."""
import json
import os
import stat
import subprocess
import tempfile

from harness import PARLEY_CLI, PASSWORD, unique_name


def cli(node, home, *args, stdin=None, timeout=30):
    env = {**os.environ, "HOME": home, "PARLEY_SERVER": node.base}
    env.pop("PARLEY_PASSWORD", None)
    return subprocess.run([PARLEY_CLI, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=timeout)


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

    r = cli(node, home_a, "send", bob, "hello from the cli")
    assert r.returncode == 0, r.stderr
    r = cli(node, home_a, "send", bob, "second", "--json")  # global flags may follow
    ack = json.loads(r.stdout)
    assert ack["type"] == "ack" and ack["seq"] == 2

    # bob was offline: listen syncs and prints both, then exits on --count.
    r = cli(node, home_b, "--json", "listen", "--count", "2", "--timeout", "20")
    assert r.returncode == 0, r.stderr
    msgs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [m["body"] for m in msgs if m["type"] == "message"] == ["hello from the cli", "second"]
    r = cli(node, home_b, "listen", "--timeout", "2")
    assert "hello from the cli" not in r.stdout, "delivered receipts were stored by listen"

    r = cli(node, home_a, "history", bob)
    assert r.returncode == 0
    assert r.stdout.splitlines() == ["[1] me: hello from the cli", "[2] me: second"]
    r = cli(node, home_b, "--json", "history", alice)
    assert [m["seq"] for m in json.loads(r.stdout)["messages"]] == [2, 1]


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
    r = cli(node, home, "send", name, "hi")
    assert r.returncode == 4
