"""TURN credentials (../shared/CALLS.md, "GET /v1/turn") checked by a real
coturn: what GET /v1/turn hands out allocates a relay over UDP and TCP
(turnutils_uclient, from Debian's coturn package); a tampered or expired
credential is refused; the flags are checked at start."""
import base64
import hashlib
import hmac
import json
import subprocess
import time
import urllib.request

import pytest

from harness import PARLEYD, Parleyd, http, new_user

TTL = 600


@pytest.fixture(scope="module")
def node(pg, turn):
    n = Parleyd(pg.url, extra=turn.parleyd_flags() + ["--turn-ttl", str(TTL)])
    yield n
    assert n.stop() == 0


def credential(secret, username):
    return base64.b64encode(hmac.new(secret.encode(), username.encode(),
                                     hashlib.sha1).digest()).decode()


def get_turn(node, token):
    """(status, headers, body): http() leaves the headers out."""
    req = urllib.request.Request(node.base + "/v1/turn",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.headers, json.loads(resp.read())


def test_credentials_from_get_turn_allocate_a_relay(node, turn):
    alice = new_user(node.base)
    status, headers, body = get_turn(node, alice["token"])
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert body["urls"] == turn.urls()
    assert body["ttl"] == TTL
    expiry, user = body["username"].split(":")
    assert user == alice["user_id"]
    assert abs(int(expiry) - (time.time() + TTL)) < 5
    assert body["credential"] == credential(turn.secret, body["username"])
    code, out = turn.allocate(body["username"], body["credential"])
    assert code == 0, out
    assert "Received relay addr" in out or "relay addr" in out, out
    code, out = turn.allocate(body["username"], body["credential"], tcp=True)
    assert code == 0, out


def test_a_tampered_or_expired_credential_is_refused(node, turn):
    alice = new_user(node.base)
    _, _, body = get_turn(node, alice["token"])
    tampered = body["credential"][:-2] + ("A=" if body["credential"][-2] != "A" else "B=")
    code, out = turn.allocate(body["username"], tampered)
    assert code == 255 and "Cannot complete Allocation" in out, out
    other_user = body["username"].split(":")[0] + ":" + str(int(alice["user_id"]) + 1)
    code, out = turn.allocate(other_user, body["credential"])
    assert code == 255, "the credential is bound to its username"
    expired = f"{int(time.time()) - 60}:{alice['user_id']}"
    code, out = turn.allocate(expired, credential(turn.secret, expired))
    assert code == 255 and "Cannot complete Allocation" in out, out


def test_turn_needs_a_token(node):
    status, body = http(node.base, "GET", "/v1/turn")
    assert (status, body["code"]) == (401, "unauthorized")
    status, body = http(node.base, "POST", "/v1/turn", {})
    assert status == 405


@pytest.mark.parametrize("flags, says", [
    (["--turn-url", "turn:127.0.0.1:3478"], "go together"),
    (["--turn-secret-file", "SECRET"], "go together"),
    (["--turn-secret-file", "/nonexistent", "--turn-url", "turn:h"], "cannot read"),
    (["--turn-secret-file", "EMPTY", "--turn-url", "turn:h"], "cannot read"),
    (["--turn-secret-file", "SECRET", "--turn-url", "http://h"], "turn:, turns: or stun:"),
    (["--turn-ttl", "59"], "--turn-ttl"),
    (["--turn-ttl", "604801"], "--turn-ttl"),
    (["--call-ring-timeout-ms", "999"], "--call-ring-timeout-ms"),
    (["--call-reconnect-grace-ms", "600001"], "--call-reconnect-grace-ms"),
])
def test_bad_call_flags_exit_2_with_one_line(pg, turn, tmp_path, flags, says):
    empty = tmp_path / "empty"
    empty.write_text("  \n")
    flags = [turn.secret_file if f == "SECRET" else str(empty) if f == "EMPTY" else f
             for f in flags]
    out = subprocess.run([PARLEYD, "--db", pg.url, "--listen", "127.0.0.1:0"] + flags,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], out.stderr
