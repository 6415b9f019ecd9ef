"""A few seconds of parley-bench against a real node: messages flow, every
acked message is delivered once, the figures file is complete. (The full
runs are scripts/bench; their figures are in docs/benchmarks.md.)"""
import json
import os
import subprocess
import tempfile
import urllib.request

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


def run_bench(node, *args):
    out = tempfile.mktemp(suffix=".json")
    users = tempfile.mktemp(suffix=".json")
    r = subprocess.run([BENCH, "--server", node.base, "--users-file", users, "--json", out,
                        *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.load(open(out)), r


def test_connect_reads_memory_from_metrics_without_a_pid(node):
    # No --server-pid: the server's resident memory comes from /metrics.
    result, r = run_bench(node, "connect", "--connections", "50", "--hold", "0")
    assert (result["ready"], result["failed"]) == (50, 0)
    assert result["server_rss_before_kib"] > 1000
    assert result["server_rss_after_kib"] > 1000
    assert "KiB per connection" in r.stdout


def test_group_smoke_run(node):
    result, r = run_bench(node, "group", "--groups", "2", "--members", "6", "--rate", "100",
                          "--duration", "1", "--drain", "5")
    assert result["sent"] == result["acked"] == 100
    # Every member but the sender gets every message, once.
    assert result["deliveries"] == result["expected_deliveries"] == 100 * 5
    assert (result["lost"], result["duplicates"], result["errors"]) == (0, 0, 0)
    assert "deliveries 500 of 500" in r.stdout


def test_calls_smoke_run(node):
    result, r = run_bench(node, "calls", "--pairs", "10", "--rate", "20", "--duration", "2",
                          "--drain", "2")
    assert result["placed"] == result["answered"] == result["records"] == 40
    assert (result["busy"], result["errors"]) == (0, 0)
    assert result["offer_to_incoming"]["count"] == 40
    assert "answered 40" in r.stdout
    # More offers per caller than parleyd allows a minute: refused up front.
    r = subprocess.run([BENCH, "--server", node.base, "calls", "--pairs", "1", "--rate", "20",
                        "--duration", "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "10 a minute" in r.stderr


def test_offline_smoke_run(node):
    # 1,300 messages for 2 devices: each catches up over two `sync` pages
    # of 500 and a last one, with a `delivered` receipt between pages.
    result, r = run_bench(node, "offline", "--messages", "1300", "--recipients", "2")
    assert result["devices_done"] == 2
    assert result["received"] == 1300
    assert (result["lost"], result["duplicates"], result["errors"]) == (0, 0, 0)
    assert result["messages_per_second"] > 0
    assert "caught up: 2/2 devices" in r.stdout


def test_ramp_stops_at_the_bound(node):
    # A bound no run can meet: the first step is reported and the ramp fails.
    out = tempfile.mktemp(suffix=".json")
    r = subprocess.run([BENCH, "--server", node.base, "--users-file", tempfile.mktemp(),
                        "--json", out, "ramp", "--pairs", "4", "--start", "100", "--step",
                        "100", "--step-duration", "1", "--drain", "3", "--p99-ms", "0.1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    result = json.load(open(out))
    assert result["highest_rate"] == 0 and len(result["steps"]) == 1
    assert result["steps"][0]["within_bound"] is False
    assert result["steps"][0]["lost"] == 0


def test_ramp_climbs_to_max(node):
    # The ramp's steps, not this machine's latency: the bound is loose
    # because the first step creates the pairs' conversations (a commit
    # each) on a shared disk, in a sanitizer build under CI. The latency
    # figures are scripts/bench's, in docs/benchmarks.md.
    result, r = run_bench(node, "ramp", "--pairs", "4", "--start", "100", "--step", "100",
                          "--max", "200", "--step-duration", "1", "--drain", "3",
                          "--p99-ms", "2000")
    assert [s["offered_rate"] for s in result["steps"]] == [100, 200]
    assert [s["sent"] for s in result["steps"]] == [100, 200]
    assert all(s["within_bound"] and s["lost"] == 0 for s in result["steps"])
    assert result["highest_rate"] == 200 and result["p99_bound_ms"] == 2000
    assert "highest rate with send→deliver p99 < 2000 ms and nothing lost: 200" in r.stdout


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



def test_padded_bodies_arrive_whole(node):
    # --body-padding (used by scripts/count-allocs) pads every body to a
    # known size: the messages still go through and are stored with the
    # padding, and a padding past what a body may hold is refused.
    out = tempfile.mktemp(suffix=".json")
    users = tempfile.mktemp(suffix=".json")
    r = subprocess.run([BENCH, "--server", node.base, "--users-file", users, "--json", out,
                        "--body-padding", "5000", "pairs", "--pairs", "3", "--rate", "60",
                        "--duration", "1", "--drain", "5"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.load(open(out))
    assert result["sent"] == result["acked"] == result["delivered"] == 60
    assert (result["lost"], result["duplicates"], result["errors"]) == (0, 0, 0)
    token = json.load(open(users))["users"][0]["token"]
    auth = {"Authorization": "Bearer " + token}
    convs = json.load(urllib.request.urlopen(urllib.request.Request(
        node.base + "/v1/conversations", headers=auth)))["conversations"]
    assert convs
    history = json.load(urllib.request.urlopen(urllib.request.Request(
        node.base + "/v1/conversations/" + convs[0]["conversation_id"] + "/messages",
        headers=auth)))["messages"]
    assert history and all(m["body"].endswith(":" + "x" * 5000) for m in history)
    refused = subprocess.run([BENCH, "--server", node.base, "--body-padding", "70000",
                              "pairs"], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "--body-padding" in refused.stderr + refused.stdout


def test_pairs_two_devices_and_e2e_smoke_runs(node):
    for extra in (["--devices", "2"], ["--e2e"]):
        result, r = run_bench(node, "pairs", "--pairs", "5", "--rate", "100", "--duration", "1",
                              "--drain", "5", *extra)
        assert result["acked"] == result["sent"] == result["delivered"] == 100
        assert result["device_deliveries"] == 300  # B1, B2 and the sender's other device
        assert (result["lost"], result["duplicates"], result["errors"]) == (0, 0, 0)
        assert result["send_to_deliver"]["count"] == 300
    assert result["e2e"] is True and result["envelopes_not_opening"] == 0
    assert result["client_envelopes_per_second_per_core"] > 0


def test_seal_needs_no_server():
    out = tempfile.mktemp(suffix=".json")
    r = subprocess.run([BENCH, "--json", out, "seal", "--envelopes", "2000", "--sessions", "10",
                        "--open", "500", "--stored", "20"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.load(open(out))
    assert result["envelopes"] == 2000 and result["open_failures"] == 0
    assert result["envelopes_sealed_per_second_per_core"] > 0
    assert result["stored_messages_per_second"] > 0


def test_group_e2e_smoke_run(node):
    result, r = run_bench(node, "group", "--groups", "2", "--members", "4", "--rate", "50",
                          "--duration", "1", "--drain", "5", "--e2e")
    assert result["sent"] == result["acked"] == 50
    # 4 members with two devices: every device but the sending one.
    assert result["deliveries"] == result["expected_deliveries"] == 50 * 7
    assert (result["lost"], result["duplicates"], result["errors"]) == (0, 0, 0)
    assert result["messages_not_opening"] == 0
