"""Attacks on the HTTP and websocket edge of a real parleyd: a nesting bomb,
requests from a foreign Origin, and media that a browser could be tricked
into running as a page."""
import asyncio
import http.client as httpclient
import json

import pytest
import websockets

from harness import Client, Parleyd, http, new_user, raw_request, run

BOMB = b"[" * (1024 * 1024 - 16)
# The same nesting closed again, inside a valid send: parsed, it would be a
# tree half a million levels deep.
DEEP = b'{"to":"1","id":"bomb","body":"x","x":' + b"[" * 400000 + b"]" * 400000 + b"}"


def raw(node, method, path, body=None, headers=None):
    resp, data = raw_request(node, method, path, body, headers)
    try:
        return resp, json.loads(data) if data else None
    except ValueError:
        return resp, data


@pytest.fixture(scope="module")
def secure_node(pg):
    n = Parleyd(pg.url, extra=["--allowed-origin", "https://chat.example.org"])
    yield n
    assert n.stop() == 0


def still_serving(node):
    status, body = http(node.base, "GET", "/healthz")
    assert status == 200, (status, body)


def test_nesting_bomb_without_a_token_is_refused_unread(secure_node):
    resp, body = raw(secure_node, "POST", "/v1/messages", BOMB,
                     {"Content-Type": "application/json"})
    assert resp.status == 401, (resp.status, body)
    assert body["code"] == "unauthorized"
    still_serving(secure_node)


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/conversations"])
def test_nesting_bomb_with_a_token_is_too_deep(secure_node, path):
    alice = new_user(secure_node.base)
    resp, body = raw(secure_node, "POST", path, DEEP,
                     {"Content-Type": "application/json",
                      "Authorization": f"Bearer {alice['token']}"})
    assert resp.status == 400, (resp.status, body)
    assert body["code"] == "too_deep"
    still_serving(secure_node)


def test_nesting_bomb_on_unauthenticated_endpoints_is_too_deep(secure_node):
    for path in ("/v1/users", "/v1/sessions"):
        resp, body = raw(secure_node, "POST", path, BOMB, {"Content-Type": "application/json"})
        assert resp.status == 400, (path, resp.status, body)
        assert body["code"] == "too_deep"
    still_serving(secure_node)


def test_depth_limit_is_32(secure_node):
    alice, bob = new_user(secure_node.base), new_user(secure_node.base)

    def nested(depth):  # `depth` levels of nesting, the object itself counting as one
        inner = "1"
        for _ in range(depth - 1):
            inner = "[" + inner + "]"
        return json.dumps({"to": bob["user_id"], "id": "d%d" % depth, "body": "x"})[:-1] \
            + ', "extra": ' + inner + "}"

    ok, _ = raw(secure_node, "POST", "/v1/messages", nested(32).encode(),
                {"Content-Type": "application/json",
                 "Authorization": f"Bearer {alice['token']}"})
    deep, body = raw(secure_node, "POST", "/v1/messages", nested(33).encode(),
                     {"Content-Type": "application/json",
                      "Authorization": f"Bearer {alice['token']}"})
    assert ok.status == 200
    assert deep.status == 400 and body["code"] == "too_deep", body


def test_nesting_bomb_over_the_websocket(secure_node):
    alice = new_user(secure_node.base)

    async def go():
        c = await Client.connect(secure_node, alice["token"])
        await c.send("[" * 100000)
        err = await c.expect("error")
        assert err["code"] == "too_deep", err
        ack = await c.send_message("after", "still here", to=alice["user_id"])
        assert ack["type"] == "ack", ack
        await c.close()

    run(go())
    still_serving(secure_node)


# --- Origin ------------------------------------------------------------------------

def test_foreign_origin_is_refused_on_state_changing_requests(secure_node):
    alice, bob = new_user(secure_node.base), new_user(secure_node.base)
    headers = {"Authorization": f"Bearer {alice['token']}",
               "Content-Type": "application/json",
               "Origin": "https://evil.example"}
    body = json.dumps({"to": bob["user_id"], "id": "o1", "body": "hi"}).encode()
    resp, answer = raw(secure_node, "POST", "/v1/messages", body, headers)
    assert resp.status == 403, (resp.status, answer)
    assert answer["code"] == "bad_origin"
    resp, answer = raw(secure_node, "POST", "/v1/users",
                       json.dumps({"username": "evilsignup", "password": "x" * 12}).encode(),
                       {"Origin": "null", "Content-Type": "application/json"})
    assert resp.status == 403 and answer["code"] == "bad_origin"
    # The same origin as the server, an allowed origin, and no Origin at all work.
    for origin in (f"http://127.0.0.1:{secure_node.port}", "https://chat.example.org", None):
        h = dict(headers)
        if origin:
            h["Origin"] = origin
        else:
            del h["Origin"]
        resp, answer = raw(secure_node, "POST", "/v1/messages", body, h)
        assert resp.status == 200, (origin, resp.status, answer)
    # A GET is not state-changing: a foreign Origin may read what its token allows.
    resp, _ = raw(secure_node, "GET", "/healthz", None, {"Origin": "https://evil.example"})
    assert resp.status == 200


def test_foreign_origin_is_refused_on_the_websocket_upgrade(secure_node):
    alice = new_user(secure_node.base)

    async def go():
        with pytest.raises(websockets.InvalidStatusCode) as info:
            await websockets.connect(secure_node.ws_url, origin="https://evil.example")
        assert info.value.status_code == 403
        ws = await websockets.connect(secure_node.ws_url,
                                      origin=f"http://127.0.0.1:{secure_node.port}")
        await ws.send(json.dumps({"type": "auth", "token": alice["token"]}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "ready"
        await ws.close()

    run(go())
    conn = httpclient.HTTPConnection("127.0.0.1", secure_node.port, timeout=10)
    conn.request("GET", "/v1/ws", headers={
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "https://evil.example"})
    resp = conn.getresponse()
    assert resp.status == 403
    assert json.loads(resp.read())["code"] == "bad_origin"


# --- media headers -----------------------------------------------------------------

def upload(node, token, data, content_type):
    resp, body = raw(node, "POST", "/v1/media", data,
                     {"Authorization": f"Bearer {token}", "Content-Type": content_type})
    assert resp.status == 201, (resp.status, body)
    return body["media_id"]


@pytest.mark.parametrize("content_type,inline", [
    ("text/html", False), ("application/octet-stream", False),
    ("image/png", True), ("audio/ogg", True), ("video/mp4", True)])
def test_media_downloads_cannot_run_as_a_page(secure_node, content_type, inline):
    alice = new_user(secure_node.base)
    media_id = upload(secure_node, alice["token"],
                      b"<html><script>alert(1)</script></html>" + content_type.encode(),
                      content_type)
    for method in ("GET", "HEAD"):
        resp, _ = raw(secure_node, method, f"/v1/media/{media_id}",
                      None, {"Authorization": f"Bearer {alice['token']}"})
        assert resp.status == 200
        assert resp.getheader("X-Content-Type-Options") == "nosniff"
        assert resp.getheader("Content-Security-Policy") == "sandbox"
        disposition = resp.getheader("Content-Disposition")
        if inline:
            assert disposition is None, disposition
        else:
            assert disposition == "attachment", disposition


def test_metrics_can_move_to_a_port_of_their_own(pg):
    from harness import free_port
    port = free_port()
    n = Parleyd(pg.url, extra=["--metrics-listen", f"127.0.0.1:{port}"])
    try:
        assert http(n.base, "GET", "/metrics")[0] == 404
        status, text = http(f"http://127.0.0.1:{port}", "GET", "/metrics")
        assert status == 200 and "parley_http_requests_total" in text
        assert http(f"http://127.0.0.1:{port}", "GET", "/healthz")[0] == 404
        assert http(n.base, "GET", "/healthz")[0] == 200
    finally:
        n.stop()
