"""Media upload and download over HTTP: streamed to disk with SHA-256,
served with Range, ETag and HEAD; bad uploads leave nothing behind."""
import hashlib
import json
import http.client as httpclient
import os
import socket
import time

import pytest

from harness import Parleyd, http, new_user


def raw_request(node, method, path, body=None, headers=None):
    conn = httpclient.HTTPConnection("127.0.0.1", node.port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def upload(node, token, data, content_type="application/octet-stream"):
    resp, body = raw_request(node, "POST", "/v1/media", data,
                             {"Authorization": f"Bearer {token}", "Content-Type": content_type})
    return resp.status, json.loads(body)


def leftovers(node):
    tmp = os.path.join(node.media_dir, "tmp")
    return os.listdir(tmp) if os.path.isdir(tmp) else []


@pytest.mark.parametrize("size", [1, 1024 * 1024, 10 * 1024 * 1024 + 7])
def test_round_trip(node, size):
    alice, bob = new_user(node.base), new_user(node.base)
    data = os.urandom(size)
    status, body = upload(node, alice["token"], data, "image/png")
    assert status == 201, body
    assert body["size"] == size
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(body["media_id"]) == 32
    # Anyone signed in who knows the id (a capability) may fetch it.
    resp, got = raw_request(node, "GET", f"/v1/media/{body['media_id']}",
                            headers={"Authorization": f"Bearer {bob['token']}"})
    assert resp.status == 200 and got == data
    assert resp.getheader("Content-Type") == "image/png"
    assert resp.getheader("ETag") == f'"{body["sha256"]}"'
    assert leftovers(node) == []


def test_ranges_etag_and_head(node):
    alice = new_user(node.base)
    data = os.urandom(1000)
    _, body = upload(node, alice["token"], data)
    path = f"/v1/media/{body['media_id']}"
    auth = {"Authorization": f"Bearer {alice['token']}"}
    resp, got = raw_request(node, "GET", path, headers={**auth, "Range": "bytes=10-19"})
    assert resp.status == 206 and got == data[10:20]
    assert resp.getheader("Content-Range") == "bytes 10-19/1000"
    resp, got = raw_request(node, "GET", path, headers={**auth, "Range": "bytes=-5"})
    assert resp.status == 206 and got == data[-5:]
    resp, got = raw_request(node, "GET", path, headers={**auth, "Range": "bytes=990-"})
    assert resp.status == 206 and got == data[990:]
    resp, got = raw_request(node, "GET", path, headers={**auth, "Range": "bytes=5000-"})
    assert resp.status == 416 and resp.getheader("Content-Range") == "bytes */1000"
    resp, got = raw_request(node, "GET", path, headers={**auth, "Range": "bytes=9-3"})
    assert resp.status == 416
    etag = f'"{body["sha256"]}"'
    resp, got = raw_request(node, "GET", path, headers={**auth, "If-None-Match": etag})
    assert resp.status == 304 and got == b""
    resp, got = raw_request(node, "HEAD", path, headers=auth)
    assert resp.status == 200 and got == b"" and resp.getheader("Content-Length") == "1000"


def test_bad_media_requests(node):
    alice = new_user(node.base)
    resp, _ = raw_request(node, "POST", "/v1/media", b"x" * 100)
    assert resp.status == 401
    status, body = upload(node, alice["token"], b"")
    assert (status, body["code"]) == (400, "empty_upload")
    status, body = http(node.base, "GET", "/v1/media/" + "0" * 32, token=alice["token"])
    assert (status, body["code"]) == (404, "no_such_media")
    status, body = http(node.base, "GET", "/v1/media/not-an-id", token=alice["token"])
    assert (status, body["code"]) == (404, "no_such_media")
    _, up = upload(node, alice["token"], b"abc")
    status, body = http(node.base, "GET", f"/v1/media/{up['media_id']}")
    assert (status, body["code"]) == (401, "unauthorized")
    assert leftovers(node) == [], "a refused upload leaves no file"


def test_size_limit_and_abandoned_upload(pg):
    small = Parleyd(pg.url, extra=["--max-upload-mib", "1"])
    try:
        alice = new_user(small.base)
        status, body = upload(small, alice["token"], os.urandom(1024 * 1024 + 1))
        assert (status, body["code"]) == (413, "too_large")
        status, body = upload(small, alice["token"], os.urandom(1024 * 1024))
        assert status == 201
        # A client that disconnects halfway leaves no partial file.
        s = socket.create_connection(("127.0.0.1", small.port))
        s.sendall((f"POST /v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {alice['token']}"
                   "\r\nContent-Length: 500000\r\n\r\n").encode() + b"y" * 200000)
        time.sleep(0.3)
        assert len(os.listdir(os.path.join(small.media_dir, "tmp"))) == 1
        s.close()
        deadline = time.time() + 5
        while leftovers(small) and time.time() < deadline:
            time.sleep(0.1)
        assert leftovers(small) == []
    finally:
        small.stop()


def blobs(node):
    return sorted(os.listdir(os.path.join(node.media_dir, "blobs")))


def test_same_content_is_stored_once(node):
    alice, bob = new_user(node.base), new_user(node.base)
    data = os.urandom(300_000)
    before = blobs(node)
    status1, first = upload(node, alice["token"], data, "image/jpeg")
    status2, second = upload(node, bob["token"], data, "application/pdf")
    assert (status1, status2) == (201, 201)
    assert first["sha256"] == second["sha256"]
    assert first["media_id"] != second["media_id"], "each upload is its own capability"
    assert blobs(node) == sorted(before + [first["sha256"]]), "one file on disk"
    for m, ct in ((first, "image/jpeg"), (second, "application/pdf")):
        resp, got = raw_request(node, "GET", f"/v1/media/{m['media_id']}",
                                headers={"Authorization": f"Bearer {alice['token']}"})
        assert resp.status == 200 and got == data
        assert resp.getheader("Content-Type") == ct, "the type belongs to the upload"
    assert leftovers(node) == []


def test_per_user_quota(pg):
    small = Parleyd(pg.url, extra=["--media-quota-mib", "1"])
    try:
        alice, bob = new_user(small.base), new_user(small.base)
        status, _ = upload(small, alice["token"], os.urandom(600_000))
        assert status == 201
        before = blobs(small)
        status, body = upload(small, alice["token"], os.urandom(600_000))
        assert (status, body["code"]) == (413, "quota_exceeded"), body
        assert body["message"]
        assert blobs(small) == before and leftovers(small) == [], "nothing kept"
        status, _ = upload(small, bob["token"], os.urandom(600_000))
        assert status == 201, "the quota is per user"
        status, _ = upload(small, alice["token"], os.urandom(400_000))
        assert status == 201, "up to the quota is fine"
    finally:
        small.stop()
