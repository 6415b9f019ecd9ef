"""Attacks on the websocket of a real parleyd with a raw socket that
never reads: a ping flood, and a stranger that never authenticates."""
import base64
import json
import os
import socket
import struct
import time

import pytest

from harness import Parleyd, new_user, wait_for


def rss_kib(node):
    with open(f"/proc/{node.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


def frame(opcode, payload):
    """One masked client frame."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def upgrade(node):
    s = socket.create_connection(("127.0.0.1", node.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(f"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
              f"Sec-WebSocket-Version: 13\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    assert data.startswith(b"HTTP/1.1 101"), data
    return s, data.split(b"\r\n\r\n", 1)[1]


def authenticate(s, token, pending=b""):
    s.sendall(frame(1, json.dumps({"type": "auth", "token": token}).encode()))
    data = pending
    while b'"ready"' not in data:
        data += s.recv(4096)


def close_code_of(s, timeout=15):
    """Reads until the server's close frame: its code (None if cut)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    at = 0
    while at + 2 <= len(data):  # walk the server's frames (never masked)
        opcode, n = data[at] & 0x0F, data[at + 1] & 0x7F
        at += 2
        if n == 126:
            n, at = struct.unpack("!H", data[at:at + 2])[0], at + 2
        elif n == 127:
            n, at = struct.unpack("!Q", data[at:at + 8])[0], at + 8
        if opcode == 8:
            return struct.unpack("!H", data[at:at + 2])[0] if n >= 2 else None
        at += n
    return None


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url)
    yield n
    assert n.stop() == 0


def test_a_ping_flood_that_never_reads_is_closed_with_memory_bounded(node):
    user = new_user(node.base)
    s, rest = upgrade(node)
    authenticate(s, user["token"], rest)
    before = rss_kib(node)
    ping = frame(9, b"p" * 125)
    sent, closed = 0, False
    deadline = time.monotonic() + 30
    s.settimeout(5)
    try:
        while sent < 200000 and time.monotonic() < deadline:
            s.sendall(ping * 100)
            sent += 100
    except OSError:
        closed = True
    after = rss_kib(node)
    assert closed, f"{sent} pings sent and the connection is still open"
    assert sent < 200000
    assert after - before < 20 * 1024, (before, after)  # KiB
    s.close()


def test_pings_at_a_sane_rate_are_answered(node):
    user = new_user(node.base)
    s, rest = upgrade(node)
    authenticate(s, user["token"], rest)
    s.settimeout(5)
    for i in range(5):
        s.sendall(frame(9, b"hi%d" % i))
        data = b""
        while b"hi%d" % i not in data:
            data += s.recv(4096)
        time.sleep(0.25)
    s.close()


def test_a_stranger_gets_a_few_frames(node):
    s, _ = upgrade(node)
    for _ in range(9):
        s.sendall(frame(9, b"x"))
    assert close_code_of(s, timeout=3) == 4401
    s.close()


def test_a_stranger_gets_a_few_kib(node):
    # Even a valid token does not make 20 KiB of frame acceptable before
    # the connection is authenticated: it is refused unread.
    user = new_user(node.base)
    s, _ = upgrade(node)
    try:
        s.sendall(frame(1, json.dumps({"type": "auth", "token": user["token"],
                                       "padding": "a" * 20000}).encode()))
    except OSError:
        pass
    assert close_code_of(s, timeout=3) == 4401
    s.close()


def test_a_stranger_gets_ten_seconds(node):
    s, _ = upgrade(node)
    start = time.monotonic()
    assert close_code_of(s, timeout=20) == 4401
    assert 9 <= time.monotonic() - start < 15
    s.close()
