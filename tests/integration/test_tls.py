"""TLS on the listener of a real parleyd (--tls-cert, --tls-key): HTTPS and
WSS only, a certificate chain, SIGHUP reloading the pair without dropping
what is open, and the CLI verifying the server's certificate."""
import asyncio
import hashlib
import http.client as httpclient
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import websockets

from harness import (PARLEY_CLI, PASSWORD, ROOT, Client, Parleyd, run, unique_name,
                     wait_for)


def make_pki(names=("localhost", "127.0.0.1")):
    d = tempfile.mkdtemp(prefix="parley-tls-")
    subprocess.run([os.path.join(ROOT, "scripts/make-tls-cert"), d, *names], check=True)
    return d


def trusting(pki):
    ctx = ssl.create_default_context(cafile=f"{pki}/ca.pem")
    return ctx


class TlsNode(Parleyd):
    """A parleyd whose port speaks TLS with the pair in `files`."""

    def __init__(self, db_url, files, extra=()):
        self.files = files
        super().__init__(db_url, extra=["--tls-cert", f"{files}/server.pem",
                                        "--tls-key", f"{files}/server.key", *extra])

    @property
    def base(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"wss://127.0.0.1:{self.port}/v1/ws"


def https(node, ctx, method, path, body=None, token=None):
    conn = httpclient.HTTPSConnection("127.0.0.1", node.port, context=ctx, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data else None


def new_tls_user(node, ctx):
    name = unique_name("tls")
    status, body = https(node, ctx, "POST", "/v1/users", {"username": name, "password": PASSWORD})
    assert status == 201, (status, body)
    status, session = https(node, ctx, "POST", "/v1/sessions",
                            {"username": name, "password": PASSWORD})
    assert status == 200, (status, session)
    return {"name": name, "user_id": body["user_id"], **session}


async def wss_client(node, ctx, user):
    ws = await websockets.connect(node.ws_url, ssl=ctx, max_size=None, ping_interval=None,
                                  close_timeout=2)
    client = Client(ws)
    await client.send({"type": "auth", "token": user["token"]})
    client.ready = await client.expect("ready")
    return client


@pytest.fixture(scope="module")
def pki():
    return make_pki()


@pytest.fixture(scope="module")
def tls_node(pg, pki):
    files = tempfile.mkdtemp(prefix="parley-tls-live-")
    for name in ("server.pem", "server.key"):
        shutil.copy(f"{pki}/{name}", files)
    n = TlsNode(pg.url, files)
    yield n
    assert n.stop() == 0


def test_https_and_wss_carry_the_api(tls_node, pki):
    ctx = trusting(pki)
    alice, bob = new_tls_user(tls_node, ctx), new_tls_user(tls_node, ctx)

    async def scenario():
        a, b = await wss_client(tls_node, ctx, alice), await wss_client(tls_node, ctx, bob)
        big = "x" * 60_000  # several TLS records in one websocket message
        ack = await a.send_message("c1", big, to=bob["user_id"])
        assert ack["type"] == "ack", ack
        got = await b.expect("message")
        assert got["body"] == big
        await a.close()
        await b.close()

    run(scenario())

    # A streamed upload and a download over TLS arrive byte for byte.
    blob = os.urandom(3 * 1024 * 1024)
    conn = httpclient.HTTPSConnection("127.0.0.1", tls_node.port, context=ctx, timeout=60)
    conn.request("POST", "/v1/media", body=blob,
                 headers={"Authorization": f"Bearer {alice['token']}",
                          "Content-Type": "application/octet-stream"})
    resp = conn.getresponse()
    assert resp.status == 201, resp.read()
    media_id = json.loads(resp.read())["media_id"]
    conn.request("GET", f"/v1/media/{media_id}",
                 headers={"Authorization": f"Bearer {alice['token']}"})
    resp = conn.getresponse()  # the same connection: keep-alive over TLS
    assert resp.status == 200
    assert resp.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert hashlib.sha256(resp.read()).digest() == hashlib.sha256(blob).digest()
    conn.close()


def test_plain_http_on_the_tls_port_is_told_to_use_https(tls_node):
    s = socket.create_connection(("127.0.0.1", tls_node.port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 400"), data
    assert json.loads(body)["code"] == "tls_required"
    # A websocket upgrade in clear text is refused the same way.
    with pytest.raises(Exception):
        run(websockets.connect(f"ws://127.0.0.1:{tls_node.port}/v1/ws", close_timeout=1))


def test_the_nodes_own_origin_is_https(tls_node, pki):
    """A browser page served by the node over TLS has Origin https://HOST."""
    def status_with(origin):
        conn = httpclient.HTTPSConnection("127.0.0.1", tls_node.port, context=trusting(pki),
                                          timeout=30)
        conn.request("POST", "/v1/users", body=json.dumps({"username": unique_name("o"),
                                                           "password": PASSWORD}),
                     headers={"Content-Type": "application/json", "Origin": origin,
                              "Host": f"127.0.0.1:{tls_node.port}"})
        status = conn.getresponse().status
        conn.close()
        return status
    assert status_with(f"https://127.0.0.1:{tls_node.port}") == 201
    assert status_with(f"http://127.0.0.1:{tls_node.port}") == 403  # not this node's scheme


def test_a_client_that_does_not_trust_the_ca_cannot_connect(tls_node):
    with pytest.raises(ssl.SSLCertVerificationError):
        https(tls_node, ssl.create_default_context(), "GET", "/healthz")
    with pytest.raises(ssl.SSLCertVerificationError):
        https(tls_node, trusting(make_pki()), "GET", "/healthz")  # another CA


def test_failed_handshakes_leave_the_node_serving(tls_node, pki):
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", tls_node.port), timeout=10)
        s.sendall(b"\x16\x03\x01\x00\x05garbage")  # a TLS record header, then nonsense
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()
    assert https(tls_node, trusting(pki), "GET", "/healthz")[0] == 200


def test_sighup_reloads_the_pair_and_keeps_open_connections(pg, pki):
    files = tempfile.mkdtemp(prefix="parley-tls-reload-")
    for name in ("server.pem", "server.key"):
        shutil.copy(f"{pki}/{name}", files)
    node = TlsNode(pg.url, files)
    old_ctx = trusting(pki)
    alice, bob = new_tls_user(node, old_ctx), new_tls_user(node, old_ctx)
    keep_alive = httpclient.HTTPSConnection("127.0.0.1", node.port, context=old_ctx, timeout=30)
    keep_alive.request("GET", "/healthz")
    assert keep_alive.getresponse().read() is not None

    async def scenario():
        a = await wss_client(node, old_ctx, alice)
        b = await wss_client(node, old_ctx, bob)

        # A new pair from another CA replaces the files; SIGHUP loads it.
        fresh = make_pki()
        for name in ("server.pem", "server.key"):
            shutil.copy(f"{fresh}/{name}", files)
        node.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS certificate reloaded" in node.read_log(), 10, "the reload")
        new_ctx = trusting(fresh)
        assert https(node, new_ctx, "GET", "/healthz")[0] == 200
        with pytest.raises(ssl.SSLCertVerificationError):
            https(node, old_ctx, "GET", "/healthz")

        # What was open before the reload goes on working.
        ack = await a.send_message("r1", "after the reload", to=bob["user_id"])
        assert ack["type"] == "ack", ack
        assert (await b.expect("message"))["body"] == "after the reload"
        keep_alive.request("GET", "/healthz")
        assert keep_alive.getresponse().status == 200

        # A broken pair is refused and the one in use stays.
        with open(f"{files}/server.pem", "w") as f:
            f.write("not a certificate\n")
        node.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS reload failed" in node.read_log(), 10, "the failed reload")
        assert https(node, new_ctx, "GET", "/healthz")[0] == 200
        await a.close()
        await b.close()

    run(scenario())
    keep_alive.close()
    assert node.stop() == 0


def start_fails(pg, *args):
    proc = subprocess.run([os.environ.get("PARLEYD", os.path.join(ROOT, "build/parleyd")),
                           "--listen", "127.0.0.1:0", "--db", pg.url, *args],
                          capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout + proc.stderr


def test_tls_flags_are_checked_at_start(pg, pki):
    code, out = start_fails(pg, "--tls-cert", f"{pki}/server.pem")
    assert code == 2 and "--tls-cert and --tls-key go together" in out, out
    code, out = start_fails(pg, "--tls-cert", f"{pki}/missing.pem", "--tls-key",
                            f"{pki}/server.key")
    assert code == 1 and "cannot read certificate" in out, out
    other = make_pki()
    code, out = start_fails(pg, "--tls-cert", f"{pki}/server.pem", "--tls-key",
                            f"{other}/server.key")
    assert code == 1 and "does not match" in out, out


def cli(node, home, *args, ca=None):
    env = {**os.environ, "HOME": home, "PARLEY_SERVER": node.base}
    env.pop("PARLEY_PASSWORD", None)
    env.pop("PARLEY_CA_FILE", None)
    extra = ["--ca-file", ca] if ca else []
    return subprocess.run([PARLEY_CLI, *extra, *args], capture_output=True, text=True,
                          env=env, timeout=30)


def test_cli_verifies_the_server_certificate(tls_node, pki):
    alice, bob = unique_name("alice"), unique_name("bob")
    home_a, home_b = tempfile.mkdtemp(), tempfile.mkdtemp()
    ca = f"{pki}/ca.pem"
    r = cli(tls_node, home_a, "register", alice, "--password", PASSWORD)
    assert r.returncode == 3 and "certificate verify failed" in r.stderr, r.stderr
    for home, name in ((home_a, alice), (home_b, bob)):
        assert cli(tls_node, home, "register", name, "--password", PASSWORD, ca=ca).returncode == 0
        assert cli(tls_node, home, "login", name, "--password", PASSWORD, ca=ca).returncode == 0
    r = cli(tls_node, home_a, "send", bob, "over https", ca=ca)  # a websocket over TLS
    assert r.returncode == 0, r.stderr
    r = cli(tls_node, home_b, "--json", "listen", "--count", "1", "--timeout", "20", ca=ca)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0])["text"] == "over https"
    path = os.path.join(home_a, "photo.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(300_000))
    r = cli(tls_node, home_a, "send-file", bob, path, ca=ca)
    assert r.returncode == 0, r.stderr


def test_cli_refuses_a_certificate_for_another_name(pg):
    pki = make_pki(("localhost",))  # the CLI will ask for 127.0.0.1
    node = TlsNode(pg.url, pki)
    home = tempfile.mkdtemp()
    r = cli(node, home, "register", unique_name("name"), "--password", PASSWORD,
            ca=f"{pki}/ca.pem")
    assert r.returncode == 3 and "certificate verify failed" in r.stderr, r.stderr
    node.stop()


def test_bench_runs_over_tls(tls_node, pki):
    bench = os.environ.get("PARLEY_BENCH", os.path.join(ROOT, "build/parley-bench"))
    out, users = tempfile.mktemp(suffix=".json"), tempfile.mktemp(suffix=".json")
    r = subprocess.run([bench, "--server", tls_node.base, "--ca-file", f"{pki}/ca.pem",
                        "--users-file", users, "--json", out, "pairs", "--pairs", "5",
                        "--rate", "200", "--duration", "1", "--drain", "5"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.load(open(out))
    assert result["delivered"] == result["sent"] == 200 and result["lost"] == 0, result
