"""Attacks on uploads and connection slots of a real parleyd: slow and
unauthenticated uploads, many uploads at once against one quota, and one
address opening more connections than it may."""
import concurrent.futures
import os
import socket
import stat
import time

import psycopg2
import pytest

from harness import Parleyd, http, new_user, raw_request, wait_for


def open_fds(node):
    return len(os.listdir(f"/proc/{node.proc.pid}/fd"))


def start_upload(node, token=None, length=10 * 1024 * 1024):
    s = socket.create_connection(("127.0.0.1", node.port), timeout=30)
    head = f"POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n" \
           "Content-Type: application/octet-stream\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    s.sendall((head + "\r\n").encode())
    return s


def answer_of(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def closed_within(sock, seconds):
    """True if the server closes `sock` within `seconds` while we trickle."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            sock.send(b"x")
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url, extra=["--media-quota-mib", "1", "--max-concurrent-uploads", "2"])
    yield n
    assert n.stop() == 0


def test_slow_unauthenticated_uploads_hold_no_descriptor(node):
    base = open_fds(node)
    socks = [start_upload(node) for _ in range(100)]
    try:
        answers = [answer_of(s) for s in socks]
        assert all(a.startswith("HTTP/1.1 401") for a in answers), answers[:3]
        # Answered without reading the body; the lingering read after the
        # answer is bounded, so trickling keeps nothing open.
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            closed = list(pool.map(lambda s: closed_within(s, 10), socks))
        assert all(closed), closed.count(False)
        # The node lingers at most 5 s after an answer to drain what the
        # client still sends, then lets the descriptor go.
        wait_for(lambda: open_fds(node) <= base + 2, 10, "descriptors given back")
    finally:
        for s in socks:
            s.close()


def test_an_upload_that_trickles_is_cut(node):
    user = new_user(node.base)
    s = start_upload(node, user["token"], length=512 * 1024)
    try:
        assert closed_within(s, 25), "a 1-byte-per-200-ms upload was kept open"
    finally:
        s.close()
    time.sleep(0.5)
    assert not os.listdir(os.path.join(node.media_dir, "tmp"))


def test_concurrent_uploads_per_user_are_capped(node):
    user = new_user(node.base)
    held = [start_upload(node, user["token"], length=1000) for _ in range(2)]
    try:
        time.sleep(0.5)  # both admitted, bodies pending
        resp, body = raw_request(node, "POST", "/v1/media", b"x" * 10,
                                 {"Authorization": f"Bearer {user['token']}"})
        assert resp.status == 429, (resp.status, body)
        assert b"too_many_uploads" in body
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)  # the abandoned uploads give their places back
    resp, body = raw_request(node, "POST", "/v1/media", b"y" * 10,
                             {"Authorization": f"Bearer {user['token']}"})
    assert resp.status == 201, body


def test_media_are_readable_by_parleyd_alone(node):
    user = new_user(node.base)
    status, body = http(node.base, "POST", "/v1/media", raw=os.urandom(4096), token=user["token"],
                        headers={"Content-Type": "application/octet-stream"})
    assert status == 201, body
    blobs = os.path.join(node.media_dir, "blobs")
    for d in (node.media_dir, os.path.join(node.media_dir, "tmp"), blobs):
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700, d
    files = os.listdir(blobs)
    assert files and all(stat.S_IMODE(os.stat(os.path.join(blobs, f)).st_mode) == 0o600
                         for f in files)


def test_concurrent_uploads_cannot_overshoot_the_quota(node):
    user = new_user(node.base)
    size = 600 * 1024  # two of them are more than the 1 MiB quota
    held = [start_upload(node, user["token"], length=size) for _ in range(2)]
    try:
        answers = []
        for s in held:
            try:
                s.sendall(os.urandom(size))
            except OSError:
                pass
            answers.append(answer_of(s, 30))
        statuses = sorted(a.split(" ")[1] for a in answers)
        assert statuses == ["201", "413"], answers
    finally:
        for s in held:
            s.close()
    assert stored_bytes(node, user) == size


def stored_bytes(node, user):
    """What the database counts against the user's quota."""
    with psycopg2.connect(node.db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(sum(size), 0) FROM media WHERE owner_id = %s",
                    (int(user["user_id"]),))
        return cur.fetchone()[0]


def test_one_address_may_hold_at_most_max_connections(pg):
    n = Parleyd(pg.url, extra=["--max-connections-per-ip", "5"])
    try:
        held = [socket.create_connection(("127.0.0.1", n.port)) for _ in range(5)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", n.port), timeout=5)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            assert extra.recv(100) == b""  # closed at accept
        except ConnectionResetError:
            pass
        extra.close()
        held.pop().close()
        time.sleep(0.3)
        status, _ = http(n.base, "GET", "/healthz")
        assert status == 200
        for s in held:
            s.close()
    finally:
        n.stop()
