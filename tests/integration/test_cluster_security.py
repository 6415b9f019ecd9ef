"""Attacks on the cluster port of real parleyd nodes: a process that is
not a member must not join, relay, or kill anything; a node must not run
its cluster in clear text off loopback; the fault hook answers only on a
node started with it."""
import os
import socket
import ssl
import subprocess
import time

import pytest

from harness import (CLUSTER_ADMIN, Parleyd, cluster_node, cluster_pki, free_port, http,
                     metric, new_user, wait_for)

ROGUE = os.environ.get("PARLEY_ROGUE",
                       os.path.join(os.path.dirname(__file__), "../../build/parley-rogue"))
ADMIN = CLUSTER_ADMIN


def start_node(pg, node_id, port, seeds, extra=()):
    return cluster_node(pg, node_id, port, seeds, extra)


def live(node):
    status, body = http(node.base, "GET", "/v1/cluster", token=ADMIN)
    assert status == 200, body
    return sorted(m["node"] for m in body["members"] if m["state"] in ("up", "self"))


@pytest.fixture(scope="module")
def tls_cluster(pg):
    ports = [free_port(), free_port()]
    nodes = [start_node(pg, 1, ports[0], [], ["--enable-fault-injection"]),
             start_node(pg, 2, ports[1], [ports[0]])]
    wait_for(lambda: live(nodes[0]) == [1, 2] and live(nodes[1]) == [1, 2], 15,
             "two nodes joined over mutual TLS")
    yield nodes
    for n in nodes:
        assert n.stop() == 0


def rogue(node, victim, *tls):
    out = subprocess.run([ROGUE, "127.0.0.1", str(node.cluster_port), victim["user_id"],
                          victim["device_id"], *tls], capture_output=True, text=True,
                         timeout=60)
    return out.returncode, out.stdout + out.stderr


def test_nodes_meet_over_mutual_tls(tls_cluster):
    for n in tls_cluster:
        assert "(mutual TLS)" in n.read_log()
    # Traffic crosses: a message from a user on node 1 to one on node 2.
    alice, bob = new_user(tls_cluster[0].base), new_user(tls_cluster[1].base)
    status, ack = http(tls_cluster[0].base, "POST", "/v1/messages",
                       {"to": bob["user_id"], "id": "x1", "body": "over TLS"},
                       token=alice["token"])
    assert status == 200, ack
    status, page = http(tls_cluster[1].base, "GET",
                        f"/v1/conversations/{ack['conversation']}/messages",
                        token=bob["token"])
    assert status == 200 and page["messages"][-1]["body"] == "over TLS"


@pytest.mark.parametrize("who", ["clear text", "a certificate of another CA"])
def test_a_rogue_without_the_cluster_certificate_cannot_join(tls_cluster, who):
    victim = new_user(tls_cluster[0].base)
    other = cluster_pki("other-ca", nodes=1)
    tls = {"clear text": [],
           "a certificate of another CA": ["--cert", f"{other}/node-1.pem", "--key",
                                           f"{other}/node-1.key", "--ca",
                                           f"{cluster_pki()}/ca.pem"]}[who]
    for node in tls_cluster:
        rc, out = rogue(node, victim, *tls)
        assert rc != 0, f"the rogue ({who}) got in: {out}"
        assert "stopped at connect" in out, out
        assert "got in" not in out
    # Nor did the stranger's failed handshakes break the members' own links.
    time.sleep(0.5)
    for node in tls_cluster:
        assert live(node) == [1, 2]
        assert "is down" not in node.read_log(), node.read_log()


def test_tls_without_a_client_certificate_is_refused_in_the_handshake(tls_cluster):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for node in tls_cluster:
        with socket.create_connection(("127.0.0.1", node.cluster_port), timeout=10) as raw:
            with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
                with ctx.wrap_socket(raw) as tls:
                    tls.sendall(b"\0" * 64)  # a BASP handshake would follow
                    assert tls.recv(1) == b""  # TLS 1.3 reports the refusal on read
                    raise ConnectionError("closed without a word")
    time.sleep(0.5)
    for node in tls_cluster:
        assert live(node) == [1, 2]
        assert "is down" not in node.read_log(), node.read_log()


def test_a_rogue_reaches_a_clear_text_node_only_through_loopback(pg):
    # The same attack on a node that runs its cluster in clear text (allowed
    # on loopback only) gets in: what the certificates above stop.
    port = free_port()
    node = Parleyd(pg.url, node_id=7, extra=["--cluster-listen", f"127.0.0.1:{port}"])
    node.cluster_port = port
    try:
        victim = new_user(node.base)
        rc, out = rogue(node, victim)
        assert rc == 0 and "got in" in out, out
        assert "(clear text)" in node.read_log()
    finally:
        node.stop()


@pytest.mark.parametrize("listen", ["0.0.0.0", "192.0.2.10", "[::]"])
def test_no_clear_text_cluster_off_loopback(pg, listen):
    out = subprocess.run([os.environ.get("PARLEYD", "../../build/parleyd"), "--db", pg.url,
                          "--cluster-listen", f"{listen}:{free_port()}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines() + out.stdout.strip().splitlines()
    assert len(lines) == 1, lines
    assert "is not loopback" in lines[0] and "--cluster-tls-cert" in lines[0], lines


def test_cluster_tls_flags_are_checked_at_start(pg, tmp_path):
    pki, other = cluster_pki(), cluster_pki("other-ca", nodes=1)
    parleyd = os.environ.get("PARLEYD", "../../build/parleyd")

    def start(*flags):
        out = subprocess.run([parleyd, "--db", pg.url, "--listen", f"127.0.0.1:{free_port()}",
                              "--cluster-listen", f"127.0.0.1:{free_port()}", *flags],
                             capture_output=True, text=True, timeout=30)
        return out.returncode, out.stdout + out.stderr

    rc, out = start("--cluster-tls-cert", f"{pki}/node-1.pem")
    assert rc == 2 and "go together" in out, out
    rc, out = start("--cluster-tls-cert", f"{pki}/node-1.pem", "--cluster-tls-key",
                    f"{pki}/node-2.key", "--cluster-ca", f"{pki}/ca.pem")
    assert rc == 1 and "does not match" in out, out
    rc, out = start("--cluster-tls-cert", f"{other}/node-1.pem", "--cluster-tls-key",
                    f"{other}/node-1.key", "--cluster-ca", f"{pki}/ca.pem")
    assert rc == 1 and "not signed by the CA" in out, out
    rc, out = start("--cluster-tls-cert", str(tmp_path / "missing.pem"), "--cluster-tls-key",
                    f"{pki}/node-1.key", "--cluster-ca", f"{pki}/ca.pem")
    assert rc == 1 and "cannot read certificate" in out, out


def test_the_fault_hook_answers_only_on_a_node_started_with_it(tls_cluster):
    with_hook, without = tls_cluster
    assert "fault injection is ON" in with_hook.read_log()
    assert "fault injection is ON" not in without.read_log()
    status, _ = http(without.base, "POST", "/v1/debug/fault", {"kind": "store", "key": "1"})
    assert status == 404
    # Relayed from the node that has it to the one that does not: refused
    # there for every key that node is home to.
    answers = [http(with_hook.base, "POST", "/v1/debug/fault",
                    {"kind": "presence", "key": str(key)}) for key in range(1, 41)]
    refused = [a for a in answers if a[0] == 404]
    assert refused, answers
    assert all(a[1]["message"].startswith("fault injection is not enabled") for a in refused)
    assert all(a[0] in (200, 404) for a in answers), answers
    assert metric(without.base, "parley_cluster_refused_total") == 0
