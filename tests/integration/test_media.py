"""Media upload and download over HTTP: streamed to disk with SHA-256,
served with Range, ETag and HEAD; bad uploads leave nothing behind."""
import hashlib
import json
import http.client as httpclient
import os
import re
import socket
import threading
import time

import pytest

from harness import Client, Parleyd, http, metric, new_user, raw_request, run


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


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


class RssWatch:
    """Samples a process's resident memory every 20 ms in the background."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, rss_kib(pid), True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def test_50_mib_round_trip_with_bounded_memory(node):
    """A 50 MiB file goes up and comes back streamed: parleyd's resident
    memory grows by far less than the file."""
    alice, bob = new_user(node.base), new_user(node.base)
    size, chunk = 50 * 1024 * 1024, 1024 * 1024
    seed = os.urandom(chunk)
    blocks = [hashlib.sha256(seed + bytes([i])).digest() * (chunk // 32) for i in range(50)]
    expected = hashlib.sha256(b"".join(blocks)).hexdigest()
    pid = node.proc.pid
    baseline = rss_kib(pid)
    watch = RssWatch(pid)

    conn = httpclient.HTTPConnection("127.0.0.1", node.port, timeout=120)
    conn.putrequest("POST", "/v1/media")
    conn.putheader("Authorization", f"Bearer {alice['token']}")
    conn.putheader("Content-Type", "video/mp4")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    for b in blocks:
        conn.send(b)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    assert resp.status == 201, body
    assert (body["size"], body["sha256"]) == (size, expected)

    conn.request("GET", f"/v1/media/{body['media_id']}",
                 headers={"Authorization": f"Bearer {bob['token']}"})
    resp = conn.getresponse()
    assert resp.status == 200
    digest, got = hashlib.sha256(), 0
    while True:
        piece = resp.read(256 * 1024)
        if not piece:
            break
        digest.update(piece)
        got += len(piece)
        time.sleep(0.001)  # a client slower than the server
    conn.close()
    peak = watch.stop()
    assert (got, digest.hexdigest()) == (size, expected)
    grew_mib = (peak - baseline) / 1024
    print(f"50 MiB round trip: parleyd RSS {baseline / 1024:.1f} -> peak {peak / 1024:.1f} MiB")
    assert grew_mib < 16, f"parleyd grew by {grew_mib:.1f} MiB for a 50 MiB file"


def send_with_media(node, user, to, media, cid):
    async def main():
        c = await Client.connect(node, user["token"])
        r = await c.send_message_frame({"type": "send", "id": cid, "to": to,
                                        "body": "see attachment", "media": media}, cid)
        await c.close()
        return r
    return run(main())


def test_media_field_is_validated(node):
    alice, bob = new_user(node.base), new_user(node.base)
    for media in ["abc", ["zz"], [1], ["a" * 32] * 33, ["A" * 32], {}]:
        err = send_with_media(node, alice, bob["user_id"], media, "bad")
        assert (err["type"], err["code"]) == ("error", "invalid_field"), media
    status, body = http(node.base, "POST", "/v1/messages",
                        {"id": "x", "to": bob["user_id"], "body": "b", "media": "nope"},
                        token=alice["token"])
    assert (status, body["code"]) == (400, "invalid_field")


def test_unreferenced_uploads_are_collected(pg):
    """With --media-gc-age 2: uploads no message references disappear (row
    and content) once older than that; referenced ones stay, and so does
    content another upload still shares; stale temp files go too."""
    gc = Parleyd(pg.url, extra=["--media-gc-age", "2", "--media-gc-interval", "1"])
    try:
        alice, bob = new_user(gc.base), new_user(gc.base)
        kept, shared = os.urandom(5000), os.urandom(7000)
        _, orphan = upload(gc, alice["token"], os.urandom(3000))
        _, sent = upload(gc, alice["token"], kept)
        _, posted = upload(gc, alice["token"], shared)
        _, twin = upload(gc, bob["token"], shared)  # same content, never sent
        ack = send_with_media(gc, alice, bob["user_id"], [sent["media_id"]], "with-media")
        assert ack["type"] == "ack", ack
        status, _ = http(gc.base, "POST", "/v1/messages",
                         {"id": "rest", "to": bob["user_id"], "body": "b",
                          "media": [posted["media_id"]]}, token=alice["token"])
        assert status == 200
        tmp = os.path.join(gc.media_dir, "tmp")
        stale, fresh = os.path.join(tmp, "stale-upload"), os.path.join(tmp, "fresh-upload")
        for p in (stale, fresh):
            open(p, "wb").write(b"partial")
        os.utime(stale, (time.time() - 7200, time.time() - 7200))

        auth = {"Authorization": f"Bearer {bob['token']}"}
        fetch = lambda m: raw_request(gc, "GET", f"/v1/media/{m['media_id']}", headers=auth)
        deadline = time.time() + 10
        while fetch(orphan)[0].status != 404 or fetch(twin)[0].status != 404:
            assert time.time() < deadline, "the unreferenced uploads were never collected"
            time.sleep(0.2)
        time.sleep(0.3)  # the content goes right after the rows
        assert fetch(sent)[0].status == 200 and fetch(sent)[1] == kept
        assert fetch(posted)[0].status == 200 and fetch(posted)[1] == shared
        assert orphan["sha256"] not in blobs(gc), "the orphan's content is gone"
        assert sorted([sent["sha256"], posted["sha256"]]) == blobs(gc)
        assert metric(gc.base, "parley_media_collected_total") >= 2
        assert not os.path.exists(stale) and os.path.exists(fresh)
        os.remove(fresh)
    finally:
        assert gc.stop() == 0
