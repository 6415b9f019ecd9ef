"""A few seconds of parley-bench against a real node: messages flow, every
acked message is delivered once, the figures file is complete. (The full
runs are scripts/bench; their figures are in docs/benchmarks.md.)"""
import json
import os
import subprocess
import tempfile

BENCH = os.environ.get("PARLEY_BENCH",
                       os.path.join(os.path.dirname(__file__), "../../build/parley-bench"))


def test_pairs_smoke_run(node):
    out = tempfile.mktemp(suffix=".json")
    users = tempfile.mktemp(suffix=".json")
    r = subprocess.run([BENCH, "--server", node.base, "--server-pid", str(node.proc.pid),
                        "--users-file", users, "--json", out,
                        "pairs", "--pairs", "10", "--rate", "300", "--duration", "2",
                        "--drain", "5"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.load(open(out))
    assert result["sent"] == 600
    assert result["acked"] == result["sent"] == result["delivered"]
    assert (result["lost"], result["duplicates"], result["errors"]) == (0, 0, 0)
    assert result["send_to_deliver"]["count"] == 600
    assert 0 < result["send_to_deliver"]["p50_us"] <= result["send_to_deliver"]["max_us"]
    assert result["server_cpu_s"] > 0
    assert "send→deliver" in r.stdout and "pairs: sent" in r.stderr


def test_bad_invocations(node):
    r = subprocess.run([BENCH, "--server", "ftp://x", "pairs"], capture_output=True, text=True)
    assert r.returncode == 2 and "--server must look like" in r.stderr
    r = subprocess.run([BENCH, "pairs", "--rate", "0"], capture_output=True, text=True)
    assert r.returncode != 0
    r = subprocess.run([BENCH, "--server", "http://127.0.0.1:1", "--users-file",
                        tempfile.mktemp(), "pairs", "--duration", "1"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "cannot reach" in r.stderr


def test_refused_tokens_are_reported(node):
    users = tempfile.mktemp(suffix=".json")
    with open(users, "w") as f:
        json.dump({"server": node.base,
                   "users": [{"user_id": "1", "token": "not-a-token"}] * 4}, f)
    r = subprocess.run([BENCH, "--server", node.base, "--users-file", users, "--reuse",
                        "pairs", "--pairs", "2", "--duration", "1"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "only 0 of 4 connections came up: auth refused" in r.stderr
    assert "unauthorized" in r.stderr
