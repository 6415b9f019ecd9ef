"""Push webhooks that a gateway can trust: signed with the node's secret,
and sent over HTTPS to a gateway whose certificate is verified."""
import hashlib
import hmac
import os
import ssl
import subprocess

import pytest

from harness import Parleyd, http, metric, new_user
from test_push import Gateway

SECRET = "push-secret-for-tests"


def self_signed(tmp_path):
    """A certificate for 127.0.0.1 (its own CA): (cert, key)."""
    cert, key = tmp_path / "gw.pem", tmp_path / "gw.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def tls_gateway(tmp_path):
    """A gateway speaking HTTPS with a certificate of its own: (gateway, cert)."""
    cert, key = self_signed(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return Gateway(tls=ctx), cert


def node_for(pg, gateway, tmp_path, trust=None):
    secret = tmp_path / "push.secret"
    secret.write_text(SECRET + "\n")  # a trailing newline is not part of it
    saved = os.environ.get("SSL_CERT_FILE")
    if trust:
        os.environ["SSL_CERT_FILE"] = trust
    try:
        return Parleyd(pg.url, extra=["--push-webhook", gateway.url, "--push-window-ms", "300",
                                      "--push-secret-file", str(secret)])
    finally:
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def offline_message(node):
    alice, bob = new_user(node.base), new_user(node.base)
    status, _ = http(node.base, "PUT", "/v1/devices/current/push", {"token": "tok-" + bob["name"]},
                     token=bob["token"])
    assert status == 204
    status, ack = http(node.base, "POST", "/v1/messages",
                       {"to": bob["user_id"], "id": "p1", "body": "psst"}, token=alice["token"])
    assert status == 200, ack
    return bob


def test_pushes_are_signed_with_the_secret_file(pg, tmp_path):
    g = Gateway()
    n = node_for(pg, g, tmp_path)
    try:
        bob = offline_message(n)
        got = g.wait_for(bob["user_id"], 1)
        assert got
        _, payload, raw, _, headers = [r for r in g.requests
                                       if r[1]["user_id"] == bob["user_id"]][0]
        expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers.get("X-Parley-Signature") == f"sha256={expected}", headers
        assert SECRET not in n.read_log()
    finally:
        n.stop()
        g.close()


def test_pushes_go_over_https_to_a_verified_gateway(pg, tmp_path):
    g, cert = tls_gateway(tmp_path)
    n = node_for(pg, g, tmp_path, trust=cert)
    try:
        bob = offline_message(n)
        assert g.wait_for(bob["user_id"], 1)
    finally:
        n.stop()
        g.close()


def test_a_gateway_with_an_untrusted_certificate_gets_nothing(pg, tmp_path):
    g, _ = tls_gateway(tmp_path)
    n = node_for(pg, g, tmp_path)  # the system store does not know this certificate
    try:
        bob = offline_message(n)
        with pytest.raises(AssertionError):
            g.wait_for(bob["user_id"], 1, timeout=3)
        assert metric(n.base, "parley_push_retries_total") >= 1  # refused, tried again
    finally:
        n.stop()
        g.close()
