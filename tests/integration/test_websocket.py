"""The websocket layer itself (RFC 6455), spoken byte by byte over a raw
TCP socket: the handshake and its refusals, pings, fragmented messages,
closing handshakes, and the frames the RFC forbids. Parley reads frames
with its own parser (wire/ws_reader.cpp), so these are its conformance
tests; the other suites use a real websocket client library."""
import base64
import hashlib
import json
import os
import socket
import struct
import time

import pytest

from harness import Parleyd, new_user

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class RawWs:
    def __init__(self, node, key=None, version="13", extra=""):
        self.sock = socket.create_connection(("127.0.0.1", node.port), timeout=5)
        self.key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
        lines = ["GET /v1/ws HTTP/1.1", f"Host: 127.0.0.1:{node.port}",
                 "Upgrade: websocket", "Connection: Upgrade"]
        if self.key:
            lines.append(f"Sec-WebSocket-Key: {self.key}")
        if version:
            lines.append(f"Sec-WebSocket-Version: {version}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode())
        self.buf = b""
        self.status, self.headers, self.body = self._read_response()

    def _read_response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip()
                   for k, v in (line.split(":", 1) for line in lines[1:])}
        body = b""
        if status != 101:
            length = int(headers.get("content-length", 0))
            while len(self.buf) < length:
                self.buf += self.sock.recv(65536)
            body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def send_frame(self, opcode, payload=b"", fin=True, masked=True):
        if isinstance(payload, str):
            payload = payload.encode()
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        mask_bit = 0x80 if masked else 0
        if n < 126:
            head += bytes([mask_bit | n])
        elif n <= 0xFFFF:
            head += bytes([mask_bit | 126]) + struct.pack("!H", n)
        else:
            head += bytes([mask_bit | 127]) + struct.pack("!Q", n)
        if masked:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def send_json(self, obj):
        self.send_frame(0x1, json.dumps(obj))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """(opcode, payload) of the next server frame; server frames are never masked."""
        b0, b1 = self._need(2)
        assert b1 & 0x80 == 0, "a server must not mask its frames"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        return b0 & 0x0F, self._need(n)

    def recv_json(self):
        opcode, payload = self.recv_frame()
        assert opcode == 0x1, (opcode, payload)
        return json.loads(payload)

    def recv_close(self):
        """The close frame's code and reason, skipping data frames before it."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if payload else None
                return code, payload[2:].decode()

    def at_eof(self, timeout=5.0):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


def authed(node, user):
    ws = RawWs(node)
    assert ws.status == 101
    ws.send_json({"type": "auth", "token": user["token"]})
    assert ws.recv_json()["type"] == "ready"
    return ws


def test_handshake_answer(node):
    ws = RawWs(node, key="dGhlIHNhbXBsZSBub25jZQ==")
    assert ws.status == 101
    assert ws.headers["upgrade"].lower() == "websocket"
    assert ws.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    expected = base64.b64encode(hashlib.sha1((ws.key + GUID).encode()).digest()).decode()
    assert expected == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    ws.close()


@pytest.mark.parametrize("key,version,status,code", [
    ("", "13", 400, "bad_handshake"),             # no key
    ("short", "13", 400, "bad_handshake"),        # not 16 bytes of base64
    (None, "", 400, "bad_handshake"),             # no version
    (None, "8", 426, "unsupported_version"),      # an old draft
])
def test_handshake_refusals(node, key, version, status, code):
    ws = RawWs(node, key=key, version=version)
    assert ws.status == status
    assert json.loads(ws.body)["code"] == code
    if status == 426:
        assert ws.headers["sec-websocket-version"] == "13"
    ws.close()


def test_ping_pong_fragments_and_binary(node):
    alice = new_user(node.base)
    ws = authed(node, alice)
    # A protocol ping is answered with its payload.
    ws.send_frame(0x9, b"are you there?")
    assert ws.recv_frame() == (0xA, b"are you there?")
    # A message in three fragments, a ping between them, is one frame to Parley.
    ws.send_frame(0x1, '{"type":', fin=False)
    ws.send_frame(0x9, b"mid")
    ws.send_frame(0x0, '"pi', fin=False)
    ws.send_frame(0x0, 'ng"}', fin=True)
    assert ws.recv_frame() == (0xA, b"mid")
    assert ws.recv_json()["type"] == "pong"
    # Binary frames are refused, the connection stays usable.
    ws.send_frame(0x2, b"\x00\x01")
    err = ws.recv_json()
    assert (err["type"], err["code"]) == ("error", "invalid_frame")
    ws.send_json({"type": "ping"})
    assert ws.recv_json()["type"] == "pong"
    ws.close()


def test_client_close_is_answered_and_the_socket_closed(node):
    alice = new_user(node.base)
    ws = authed(node, alice)
    ws.send_frame(0x8, struct.pack("!H", 1000) + b"bye")
    assert ws.recv_close()[0] == 1000
    assert ws.at_eof(), "the server closes the TCP connection after the handshake"
    ws.close()


@pytest.mark.parametrize("frame,code", [
    (lambda ws: ws.send_frame(0x1, '{"type":"ping"}', masked=False), 1002),
    (lambda ws: ws.send_frame(0x0, "orphan continuation"), 1002),
    (lambda ws: ws.send_frame(0x9, b"x" * 126), 1002),
    (lambda ws: ws.send_frame(0x1, b'{"type":"\xff"}'), 1007),
])
def test_protocol_violations_close_the_connection(node, frame, code):
    alice = new_user(node.base)
    ws = authed(node, alice)
    frame(ws)
    assert ws.recv_close()[0] == code
    # The client answers the close; the server then closes TCP.
    ws.send_frame(0x8, struct.pack("!H", code))
    assert ws.at_eof()
    ws.close()


def test_shutdown_cuts_off_a_peer_that_never_answers_the_close(pg):
    n = Parleyd(pg.url)
    user = new_user(n.base)
    ws = authed(n, user)
    started = time.monotonic()
    n.proc.send_signal(15)
    assert ws.recv_close()[0] == 1001  # going away
    # The client never answers: the node must still exit, promptly.
    assert n.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 5
    assert ws.at_eof()
    ws.close()
    n.stop()
