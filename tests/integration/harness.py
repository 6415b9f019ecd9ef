"""Integration test harness: a throwaway PostgreSQL, real parleyd processes
and real websocket clients. Nothing here is mocked."""
import asyncio
import http.client as httpclient
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import psycopg2
import websockets

PARLEYD = os.environ.get("PARLEYD", os.path.join(os.path.dirname(__file__), "../../build/parleyd"))
PARLEY_CLI = os.environ.get("PARLEY_CLI", os.path.join(os.path.dirname(__file__), "../../build/parley"))
PG_BIN = "/usr/lib/postgresql/15/bin"
IS_ROOT = os.geteuid() == 0


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
_pki_dirs = {}


def cluster_pki(name="cluster", nodes=8):
    """A throwaway CA and node certificates (scripts/make-cluster-certs),
    made once per name and test process: the directory."""
    if name not in _pki_dirs:
        d = tempfile.mkdtemp(prefix=f"parley-pki-{name}-")
        subprocess.run([os.path.join(ROOT, "scripts/make-cluster-certs"), d, str(nodes)],
                       check=True)
        _pki_dirs[name] = d
    return _pki_dirs[name]


def cluster_tls_args(node_id, pki=None):
    """The flags that put node `node_id` on the cluster's mutual TLS."""
    d = pki or cluster_pki()
    return ["--cluster-tls-cert", f"{d}/node-{node_id}.pem",
            "--cluster-tls-key", f"{d}/node-{node_id}.key", "--cluster-ca", f"{d}/ca.pem"]


CLUSTER_ADMIN = "admin-secret-for-tests"


def cluster_node(pg, node_id, cluster_port, seeds, extra=(), failure_timeout_ms=1500):
    """A parleyd that is node `node_id` of a loopback cluster over mutual
    TLS, joining through the cluster ports `seeds`."""
    args = ["--cluster-listen", f"127.0.0.1:{cluster_port}", "--failure-timeout-ms",
            str(failure_timeout_ms), "--admin-token", CLUSTER_ADMIN]
    args += cluster_tls_args(node_id)  # as in production: mutual TLS between nodes
    if seeds:
        args += ["--seeds", ",".join(f"127.0.0.1:{p}" for p in seeds)]
    node = Parleyd(pg.url, node_id=node_id, extra=args + list(extra))
    node.cluster_port = cluster_port
    return node


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if IS_ROOT else cmd


APP_ROLE = "parley_app"      # what parleyd runs as: reads and writes Parley's tables
OWNER_ROLE = "parley_owner"  # owns each database and runs the migrations


class Postgres:
    """A private PostgreSQL 15 in a temp dir, on a free loopback port, as in
    production: scram-sha-256 passwords for every role (no `trust`), its
    socket in a 0700 directory, each database owned by OWNER_ROLE and
    parleyd connecting as APP_ROLE."""

    def __init__(self, listen="127.0.0.1", hba=(), settings=()):
        self.listen = listen  # listen_addresses
        self.settings = list(settings)  # more server settings, e.g. "log_statement=all"
        self.dir = tempfile.mkdtemp(prefix="parley-pg-")
        self.port = free_port()
        self.user = "postgres" if IS_ROOT else os.environ.get("USER", "postgres")
        self.password = secrets.token_hex(16)  # every role's, for this instance
        self.socket_dir = f"{self.dir}/socket"
        os.makedirs(self.socket_dir, mode=0o700)
        pwfile = f"{self.dir}/superuser.pw"
        with open(os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(self.password + "\n")
        if IS_ROOT:
            for path in (self.dir, self.socket_dir, pwfile):
                shutil.chown(path, "postgres", "postgres")
        subprocess.run(_as_pg([f"{PG_BIN}/initdb", "-D", f"{self.dir}/data", "-U", self.user,
                               "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                               "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.remove(pwfile)
        if hba:  # more clients allowed, e.g. "host all all 10.1.2.0/24 scram-sha-256"
            with open(f"{self.dir}/data/pg_hba.conf", "a") as f:
                f.write("\n".join(hba) + "\n")
        self.start()
        for role in (OWNER_ROLE, APP_ROLE):
            self.query(f"CREATE ROLE {role} LOGIN PASSWORD %s", self.password, database="postgres")
        self.create_database("parley")

    @property
    def url(self):
        return self.url_of("parley")

    def _url(self, role, database):
        return f"postgresql://{role}:{self.password}@127.0.0.1:{self.port}/{database}"

    def url_of(self, database):
        """What parleyd connects with: the application role."""
        return self._url(APP_ROLE, database)

    def owner_url_of(self, database):
        return self._url(OWNER_ROLE, database)

    def create_database(self, name, migrate=True):
        """A database of its own (for a node no other test shares), owned by
        OWNER_ROLE. Migrated by `parleyd --migrate-only` with APP_ROLE
        granted its tables (the application role's URL is returned), or,
        with migrate=False, left empty (the owner's URL is returned)."""
        env = {**os.environ, "PGPASSWORD": self.password}
        subprocess.run([f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", self.user, "-O", OWNER_ROLE, name], check=True, env=env)
        if not migrate:
            return self.owner_url_of(name)
        subprocess.run([PARLEYD, "--migrate-only", "--db", self.owner_url_of(name),
                        "--grant-to", APP_ROLE], check=True, stdout=subprocess.DEVNULL,
                       timeout=60)
        return self.url_of(name)

    def start(self):
        subprocess.run(_as_pg([f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-l",
                               f"{self.dir}/server.log", "-w", "-t", "60", "-o",
                               f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.listen}"
                               + "".join(f" -c {s}" for s in self.settings),
                               "start"]), check=True, stdout=subprocess.DEVNULL)

    def stop(self, mode="fast"):
        subprocess.run(_as_pg([f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m", mode,
                               "-w", "stop"]), check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def server_log(self):
        with open(f"{self.dir}/server.log", errors="replace") as f:
            return f.read()

    def query(self, sql, *args, database="parley"):
        """As the superuser."""
        with psycopg2.connect(self._url(self.user, database)) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None

    def dump(self, database="parley"):
        """Everything the database holds, as pg_dump writes it (bytes)."""
        env = {**os.environ, "PGPASSWORD": self.password}
        return subprocess.run([f"{PG_BIN}/pg_dump", "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", self.user, database], check=True, env=env,
                              capture_output=True, timeout=120).stdout

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Coturn:
    """A real coturn for calls, configured by scripts/coturn (the file
    ../shared/CALLS.md specifies): the one scripts/test started
    (PARLEY_TURN_DIR, PARLEY_TURN_PORT), else one of its own on a free port
    with a fresh secret."""

    def __init__(self):
        self.proc = None
        if os.environ.get("PARLEY_TURN_DIR"):
            self.dir = os.environ["PARLEY_TURN_DIR"]
            self.port = int(os.environ["PARLEY_TURN_PORT"])
        else:
            self.dir = tempfile.mkdtemp(prefix="parley-turn-")
            self.port = free_port()
            self.log_path = os.path.join(self.dir, "coturn.log")
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [os.path.join(ROOT, "scripts/coturn"), self.dir, str(self.port),
                     "49560", "49759"], stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers_stun, 20, "coturn answering STUN")

    @property
    def secret_file(self):
        return os.path.join(self.dir, "secret")

    @property
    def secret(self):
        with open(self.secret_file) as f:
            return f.readline().strip()

    def answers_stun(self):
        try:  # the client retries for ever while nothing answers
            return subprocess.run(["turnutils_stunclient", "-p", str(self.port), "127.0.0.1"],
                                  capture_output=True, timeout=2).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def urls(self):
        return [f"turn:127.0.0.1:{self.port}?transport=udp",
                f"turn:127.0.0.1:{self.port}?transport=tcp"]

    def parleyd_flags(self):
        flags = ["--turn-secret-file", self.secret_file]
        for url in self.urls():
            flags += ["--turn-url", url]
        return flags

    def allocate(self, username, credential, tcp=False):
        """turnutils_uclient relaying one message: (exit code, output)."""
        args = ["turnutils_uclient", "-p", str(self.port), "-u", username, "-w", credential,
                "-n", "1", "-m", "1", "-y", "-c", "-v"] + (["-t"] if tcp else []) + ["127.0.0.1"]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60)
        return out.returncode, out.stdout + out.stderr

    def close(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            shutil.rmtree(self.dir, ignore_errors=True)


class Parleyd:
    """One real parleyd process."""

    def __init__(self, db_url, node_id=1, extra=(), port=None, host="127.0.0.1", prefix=()):
        self.db_url = db_url
        self.node_id = node_id
        self.extra = list(extra)
        self.port = port or free_port()
        self.host = host            # where it listens (another network namespace's address)
        self.prefix = list(prefix)  # e.g. ["ip", "netns", "exec", NS]
        self.proc = None
        self.log_path = tempfile.mktemp(prefix="parleyd-", suffix=".log")
        self.media_dir = tempfile.mkdtemp(prefix="parley-media-")
        self.start()

    @property
    def base(self):
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}/v1/ws"

    def start(self, timeout=30):
        self.log = open(self.log_path, "ab")
        # Cheap Argon2 settings keep the suite fast; production uses the defaults.
        cheap = [flag for pair in (("--argon2-memory-kib", "1024"), ("--argon2-time-cost", "1"))
                 if pair[0] not in self.extra for flag in pair]  # unless a test sets them
        args = self.prefix + [PARLEYD, "--listen", f"{self.host}:{self.port}", "--db", self.db_url,
                "--node-id", str(self.node_id), "--media-dir", self.media_dir] + cheap + self.extra
        # Every test user signs up and logs in from 127.0.0.1: the per-address
        # throttles are off unless a test sets them (the per-username one
        # stays at its default).
        env = dict(os.environ)
        # Likewise the per-user send budget: tests that load one user set it.
        for name in ("PARLEY_SIGNUPS_PER_IP", "PARLEY_LOGIN_ATTEMPTS_PER_IP",
                     "PARLEY_LOOKUPS_PER_IP", "PARLEY_USER_SEND_RATE"):
            env.setdefault(name, "0")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"parleyd exited with {self.proc.returncode}:\n{self.read_log()}")
            if "ready on" in self.read_log():
                return
            time.sleep(0.05)
        raise RuntimeError("parleyd did not become ready:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        rc = self.proc.returncode if self.proc else None
        if self.log:
            self.log.close()
        log = self.read_log()
        for marker in ("ERROR: AddressSanitizer", "runtime error:"):
            if marker in log:
                at = log.index(marker)
                raise AssertionError("sanitizer report in parleyd's log:\n"
                                     + log[max(0, at - 200):at + 3000])
        # Only the log lines of the next start count as "ready".
        with open(self.log_path, "a") as f:
            f.write("\n--- stopped ---\n")
        os.replace(self.log_path, self.log_path + ".old")
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        self.start()


def http(base, method, path, body=None, token=None, raw=None, headers=None):
    """Returns (status, parsed JSON or text)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def raw_request(node, method, path, body=None, headers=None):
    """One request on its own connection, headers exactly as given:
    (response, body bytes)."""
    conn = httpclient.HTTPConnection("127.0.0.1", node.port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def metric(base, name):
    """The value of one counter or gauge from parleyd's /metrics."""
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    return int(re.search(rf"^{name} (\d+)$", text, re.M).group(1))


_names = itertools.count()


def unique_name(prefix="user"):
    return f"{prefix}{os.getpid()}_{next(_names)}"


PASSWORD = "correct horse battery"


def register(base, name=None):
    name = name or unique_name()
    status, body = http(base, "POST", "/v1/users", {"username": name, "password": PASSWORD})
    assert status == 201, (status, body)
    return name, body["user_id"]


def login(base, name, device_id=None):
    req = {"username": name, "password": PASSWORD}
    if device_id:
        req["device_id"] = device_id
    status, body = http(base, "POST", "/v1/sessions", req)
    assert status == 200, (status, body)
    return body


def new_user(base):
    """Registers a user and logs in one device: {name, user_id, token, device_id}."""
    name, user_id = register(base)
    session = login(base, name)
    return {"name": name, "user_id": user_id, **session}


class Client:
    """A websocket client speaking the Parley protocol."""

    def __init__(self, ws):
        self.ws = ws
        self.ready = None

    @classmethod
    async def connect(cls, node, token=None, auth=True):
        ws = await websockets.connect(node.ws_url, max_size=None, ping_interval=None,
                                      close_timeout=2)
        client = cls(ws)
        if auth:
            await client.send({"type": "auth", "token": token})
            client.ready = await client.expect("ready")
        return client

    async def send(self, frame):
        await self.ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def recv(self, timeout=5.0):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def first(self, matches, timeout, what):
        """The next frame for which `matches(frame)` holds; others are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {timeout}s")
            frame = await self.recv(left)
            if matches(frame):
                return frame

    async def expect(self, type_, timeout=5.0, where=lambda f: True):
        """The next frame of `type_` matching `where`; others are skipped."""
        return await self.first(lambda f: f.get("type") == type_ and where(f), timeout,
                                f"{type_} frame")

    async def collect(self, type_, count, timeout=10.0):
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"got {len(out)} of {count} {type_} frames")
            frame = await self.recv(left)
            if frame.get("type") == type_:
                out.append(frame)
        return out

    async def quiet(self, seconds=0.5):
        """Frames that arrive within `seconds` (to check nothing else comes)."""
        out = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                out.append(await self.recv(left))
            except asyncio.TimeoutError:
                return out

    async def send_message(self, cid, body, to=None, conversation=None, timeout=10.0):
        frame = {"type": "send", "id": cid, "body": body}
        if to:
            frame["to"] = to
        else:
            frame["conversation"] = conversation
        await self.send(frame)
        return await self.expect_ack_or_error(cid, timeout)

    async def send_message_frame(self, frame, cid, timeout=10.0):
        """Sends a hand-made send frame; its ack or error."""
        await self.send(frame)
        return await self.expect_ack_or_error(cid, timeout)

    async def expect_ack_or_error(self, cid, timeout=10.0):
        """The ack of `cid`, or the error frame that refers to it."""
        return await self.first(
            lambda f: (f.get("type") == "ack" and f.get("id") == cid)
            or (f.get("type") == "error" and f.get("ref") == cid),
            timeout, f"ack or error for {cid!r}")

    async def expect_close(self, timeout=5.0):
        """The close code, when the very next thing the server does is close."""
        try:
            frame = await self.recv(timeout)
        except websockets.ConnectionClosed as e:
            return e.code
        raise AssertionError(f"expected the connection to close, got {frame}")

    async def close_code(self, timeout=10.0):
        """Skips frames until the server closes; its close code."""
        try:
            while True:
                await self.recv(timeout)
        except websockets.ConnectionClosed as e:
            return e.code

    async def close(self):
        await self.ws.close()


def run(coro):
    return asyncio.run(coro)


def wait_for(predicate, timeout, what):
    """Polls `predicate` (an unreachable server counts as not yet) until it
    holds; returns the monotonic time it first did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout}s")


async def stream(client, to, count, prefix, window=20, timeout=60.0, on_progress=None):
    """Sends `count` messages with up to `window` unacknowledged, resending
    (same client id) any that fail as `unavailable`. Returns {cid: ack}."""
    acks, in_flight, next_i = {}, {}, 0
    deadline = time.monotonic() + timeout
    while len(acks) < count:
        while next_i < count and len(in_flight) < window:
            cid = f"{prefix}{next_i}"
            in_flight[cid] = time.monotonic()
            await client.send({"type": "send", "id": cid, "to": to, "body": cid})
            next_i += 1
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"stream stalled: {len(acks)}/{count} acked")
        frame = await client.recv(left)
        if frame["type"] == "ack" and frame["id"] in in_flight:
            acks[frame["id"]] = frame
            del in_flight[frame["id"]]
            if on_progress:
                await on_progress(len(acks))
        elif frame["type"] == "error" and frame.get("ref") in in_flight:
            assert frame["code"] == "unavailable", frame
            await asyncio.sleep(0.2)
            await client.send({"type": "send", "id": frame["ref"], "to": to, "body": frame["ref"]})
    return acks


async def drain_all(client, conversation, expected_seqs, timeout=30.0):
    """Syncs one conversation page by page; returns {seq: message}."""
    got, after = {}, 0
    deadline = time.monotonic() + timeout
    while True:
        await client.send({"type": "sync", "conversation": conversation, "after": after})
        while True:
            frame = await client.recv(max(0.1, deadline - time.monotonic()))
            if frame["type"] == "message" and frame["conversation"] == conversation:
                got[frame["seq"]] = frame
                after = max(after, frame["seq"])
            elif frame["type"] == "sync.done":
                break
        if not frame["more"] or expected_seqs <= set(got):
            return got
