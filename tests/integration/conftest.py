import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Coturn, Parleyd, Postgres  # noqa: E402


@pytest.fixture(scope="module")
def pg():
    server = Postgres()
    yield server
    server.close()


@pytest.fixture(scope="module")
def turn():
    """coturn for the TURN and browser call tests (harness.Coturn)."""
    server = Coturn()
    yield server
    server.close()


@pytest.fixture(scope="module")
def node(pg):
    n = Parleyd(pg.url, extra=["--enable-fault-injection"])
    yield n
    assert n.stop() == 0, "parleyd must drain and exit 0 on SIGTERM"
