"""A real WebRTC call between two headless Chromium pages (Debian's
/usr/bin/chromium, driven by playwright-core from tests/webrtc/), signalled
only by Parley's call frames and GET /v1/turn, media relayed by a real
coturn with relay-only ICE: both pages reach connectionState "connected"
over a relay-relay candidate pair and receive audio packets."""
import json
import os
import subprocess

import pytest

from harness import ROOT, Parleyd, new_user

WEBRTC = os.path.join(ROOT, "tests/webrtc")


@pytest.fixture(scope="module")
def node(pg, turn):
    n = Parleyd(pg.url, extra=turn.parleyd_flags())
    yield n
    assert n.stop() == 0


def test_two_browsers_call_through_coturn(node, turn):
    assert os.path.isdir(os.path.join(WEBRTC, "node_modules/playwright-core")), \
        "scripts/test installs playwright-core (npm ci in tests/webrtc)"
    alice, bob = new_user(node.base), new_user(node.base)
    env = {**os.environ, "PARLEY_BASE": node.base, "ALICE_TOKEN": alice["token"],
           "BOB_TOKEN": bob["token"], "BOB_ID": bob["user_id"]}
    out = subprocess.run(["node", "call_test.mjs"], cwd=WEBRTC, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for side in ("alice", "bob"):
        assert result[side]["packetsReceived"] > 0
        assert (result[side]["local"], result[side]["remote"]) == ("relay", "relay")
        assert result[side]["remoteAddress"] == "127.0.0.1"
