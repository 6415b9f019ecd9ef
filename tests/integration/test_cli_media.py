"""Encrypted media through real CLI processes (E2E.md §10): files of 1 B,
1 MiB and 50 MiB sent with send-file and fetched back intact; the server
only ever holds the ciphertext; a tampered upload fails its checks and
leaves nothing behind."""
import base64
import os
import sqlite3

import pytest

from cli_client import Device
from harness import unique_name


@pytest.mark.parametrize("size", [1, 1024 * 1024, 50 * 1024 * 1024])
def test_send_file_and_fetch_encrypted(node, size):
    a1 = Device(node, unique_name("alice"), register=True)
    b1 = Device(node, unique_name("bob"), register=True)
    data = os.urandom(size)
    path = os.path.join(a1.home, "file.bin")
    with open(path, "wb") as f:
        f.write(data)
    sent = a1.json("send-file", b1.username, path, timeout=300)
    media = sent["media"]
    assert media["size"] == size and media["content_type"] == "application/octet-stream"
    blob = os.path.join(node.media_dir, "blobs", media["sha256"])
    with open(blob, "rb") as f:
        stored = f.read()
    assert len(stored) == (size // 16 + 1) * 16 + 32  # CBC with padding, then the MAC
    # The file is nowhere in what is stored. A single random byte would be
    # there by chance in a sixth of the runs: for it, its padded block
    # (PKCS#7) is not stored in clear.
    assert data not in stored if size >= 16 else stored[:16] != data + bytes([15]) * 15

    got = b1.json("listen", "--count", "1", "--timeout", "60")
    assert got["t"] == "media" and got["media_id"] == media["media_id"]
    out = os.path.join(b1.home, "got.bin")
    fetched = b1.json("fetch", media["media_id"], "-o", out, timeout=300)
    assert fetched["size"] == size
    with open(out, "rb") as f:
        assert f.read() == data


def test_a_tampered_upload_is_refused(node):
    a1 = Device(node, unique_name("alice"), register=True)
    b1 = Device(node, unique_name("bob"), register=True)
    path = os.path.join(a1.home, "note.txt")
    with open(path, "wb") as f:
        f.write(b"meet at noon" * 100)
    media = a1.json("send-file", b1.username, path)["media"]
    assert b1.run("listen", "--count", "1", "--timeout", "60").returncode == 0
    blob = os.path.join(node.media_dir, "blobs", media["sha256"])
    with open(blob, "r+b") as f:
        f.seek(20)
        byte = f.read(1)
        f.seek(20)
        f.write(bytes([byte[0] ^ 1]))
    out = os.path.join(b1.home, "note.txt")
    r = b1.run("fetch", media["media_id"], "-o", out)
    assert r.returncode == 1 and "bad_media" in r.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".part")
    # With a hash that matches the tampered bytes, the MAC still refuses it.
    with open(blob, "rb") as f:
        import hashlib
        tampered_sha = hashlib.sha256(f.read()).hexdigest()
    with sqlite3.connect(b1.state_db()) as db:
        key_hex = db.execute("SELECT key FROM media_keys WHERE media_id = ?",
                             (media["media_id"],)).fetchone()[0]
    key = base64.b64encode(bytes.fromhex(key_hex)).decode()
    r = b1.run("fetch", media["media_id"], "-o", out, "--key", key, "--sha256", tampered_sha)
    assert r.returncode == 1 and "bad_media" in r.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".part")
