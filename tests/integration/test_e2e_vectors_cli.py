"""`parley e2e-vectors FILE` (E2E.md §13): the published vectors pass, a
file with one changed value fails on that value, and a file that cannot
be read is a usage error."""
import json
import os
import subprocess
import tempfile

from harness import PARLEY_CLI, ROOT

VECTORS = os.path.join(ROOT, "tests/data/e2e-vectors.json")


def vectors_cli(path):
    return subprocess.run([PARLEY_CLI, "e2e-vectors", path], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "HOME": tempfile.mkdtemp()})


def test_the_published_vectors_pass():
    r = vectors_cli(VECTORS)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert all(line.startswith("PASS ") for line in lines[:-1])
    passed = int(lines[-1].split()[0])
    assert lines[-1] == f"{passed} passed, 0 failed" and passed == len(lines) - 1 > 150


def test_a_changed_value_fails_and_is_named():
    with open(VECTORS) as f:
        data = json.load(f)
    msg = data["ratchet"]["messages"][4]
    msg["ciphertext"] = ("0" if msg["ciphertext"][0] != "0" else "1") + msg["ciphertext"][1:]
    path = tempfile.mktemp(suffix=".json")
    with open(path, "w") as f:
        json.dump(data, f)
    r = vectors_cli(path)
    assert r.returncode == 1, r.stdout
    assert f"FAIL ratchet.{msg['id']}.ciphertext" in r.stdout.splitlines()
    assert r.stdout.splitlines()[-1].endswith("failed") and " 0 failed" not in r.stdout


def test_an_unreadable_file_is_a_usage_error():
    r = vectors_cli("/nonexistent/vectors.json")
    assert r.returncode == 2 and "cannot read" in r.stderr
