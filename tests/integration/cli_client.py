"""The parley CLI as tests drive it: one HOME per device, commands run as
real processes, and `listen` kept running in the background with its
--json lines collected as they come."""
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

from harness import PARLEY_CLI, PASSWORD


def cli(node, home, *args, stdin=None, timeout=60):
    env = {**os.environ, "HOME": home, "PARLEY_SERVER": node.base}
    env.pop("PARLEY_PASSWORD", None)
    return subprocess.run([PARLEY_CLI, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=timeout)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return r


def cli_json(node, home, *args, timeout=60):
    return json.loads(ok(cli(node, home, "--json", *args, timeout=timeout)).stdout)


class Device:
    """A logged-in CLI device of a user: its HOME, ids and commands."""

    def __init__(self, node, username, register=False):
        self.node, self.username = node, username
        self.home = tempfile.mkdtemp(prefix="parley-home-")
        if register:
            ok(cli(node, self.home, "register", username, "--password", PASSWORD))
        self.login = cli_json(node, self.home, "login", username, "--password", PASSWORD)
        self.user_id, self.device_id = self.login["user_id"], self.login["device_id"]

    @classmethod
    def at(cls, node, home):
        """A device already logged in under `home`."""
        d = cls.__new__(cls)
        d.node, d.home = node, home
        return d

    def run(self, *args, timeout=60):
        return cli(self.node, self.home, *args, timeout=timeout)

    def json(self, *args, timeout=60):
        return cli_json(self.node, self.home, *args, timeout=timeout)

    def state_db(self):
        return os.path.join(self.home, ".config", "parley", "state.db")


class Listener:
    """`parley --json listen` in the background; `lines` fills as it prints."""

    def __init__(self, device, timeout_s=600, count=None):
        args = [PARLEY_CLI, "--json", "listen", "--timeout", str(timeout_s)]
        if count:
            args += ["--count", str(count)]
        env = {**os.environ, "HOME": device.home, "PARLEY_SERVER": device.node.base}
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.lines, self.errors = [], []
        self._threads = [threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines)),
                         threading.Thread(target=self._pump, args=(self.proc.stderr, self.errors))]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def objects(self, type_=None):
        out = [json.loads(line) for line in list(self.lines)]
        return [o for o in out if type_ is None or o.get("type") == type_]

    def messages(self):
        return self.objects("message")

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            if self.proc.poll() is not None and not predicate(self):
                break
            time.sleep(0.1)
        raise AssertionError(f"listen never saw {what}; stderr: {self.errors[-5:]}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=30)
        for t in self._threads:
            t.join(timeout=10)
        return rc
