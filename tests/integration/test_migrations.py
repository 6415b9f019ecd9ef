"""Migrations: applied on an empty database, recorded, not re-applied, and
safe when two nodes start on the same empty database at once; the role
parleyd runs as reads and writes Parley's tables and can change nothing
else."""
import subprocess
import threading

import psycopg2
import pytest

from harness import APP_ROLE, PARLEYD, Parleyd, http, new_user


def test_the_app_role_reads_and_writes_but_cannot_change_the_schema(pg):
    owner_url = pg.create_database("roles", migrate=False)
    app_url = owner_url.replace("parley_owner", APP_ROLE)
    # Pending migrations and a role that may not apply them: a clear refusal.
    r = subprocess.run([PARLEYD, "--listen", "127.0.0.1:0", "--db", app_url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "--migrate-only" in r.stdout + r.stderr, r.stdout + r.stderr
    # --migrate-only as the owner applies them, grants the app role and exits.
    r = subprocess.run([PARLEYD, "--migrate-only", "--db", owner_url, "--grant-to", APP_ROLE],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "applied migration 1" in r.stdout + r.stderr
    node = Parleyd(app_url)
    try:
        assert "database ready (0 migration(s) applied)" in node.read_log()
        assert new_user(node.base)["user_id"]
    finally:
        node.stop()
    with psycopg2.connect(app_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM users")
        assert cur.fetchone()[0] >= 1
    for ddl in ("DROP TABLE messages", "CREATE TABLE mine (x int)",
                "ALTER TABLE users ADD COLUMN evil text", "TRUNCATE users CASCADE"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with psycopg2.connect(app_url) as conn, conn.cursor() as cur:
                cur.execute(ddl)
    # --grant-to without --migrate-only is a usage error.
    r = subprocess.run([PARLEYD, "--db", app_url, "--grant-to", APP_ROLE],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--grant-to goes with --migrate-only" in r.stderr


def test_postgres_asks_every_role_for_its_password(pg):
    no_password = f"postgresql://{APP_ROLE}@127.0.0.1:{pg.port}/parley"
    with pytest.raises(psycopg2.OperationalError, match="password"):
        psycopg2.connect(no_password).close()
    with pytest.raises(psycopg2.OperationalError, match="password"):
        psycopg2.connect(f"postgresql://{pg.user}@127.0.0.1:{pg.port}/parley").close()


def test_applied_once_and_recorded(pg):
    url = pg.create_database("migrate_once", migrate=False)  # the owner applies them
    node = Parleyd(url)
    try:
        assert "applied migration 1" in node.read_log()
        assert new_user(node.base)["user_id"]
        node.stop()
        node.start()
        assert "database ready (0 migration(s) applied)" in node.read_log()
    finally:
        node.stop()
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_version ORDER BY version")
        versions = [r[0] for r in cur.fetchall()]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 2


def test_two_nodes_migrate_at_once(pg):
    url = pg.create_database("migrate_race", migrate=False)
    nodes, errors = [], []

    def start(node_id):
        try:
            nodes.append(Parleyd(url, node_id=node_id))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=start, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == [] and len(nodes) == 2
        for n in nodes:
            assert http(n.base, "GET", "/healthz")[0] == 200
    finally:
        for n in nodes:
            n.stop()


def test_unreachable_database_at_start(pg):
    import time
    dead = f"postgresql://{pg.user}@127.0.0.1:1/parley"
    started = time.monotonic()
    proc = subprocess.run([__import__("harness").PARLEYD, "--listen", "127.0.0.1:0",
                           "--db", dead, "--db-wait", "1"], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 1
    assert "cannot reach PostgreSQL" in proc.stdout + proc.stderr
    assert time.monotonic() - started < 15


def test_bad_flags():
    import harness
    for args, needle in [(["--listen", "nowhere"], "HOST:PORT"),
                         (["--db", "x", "--node-id", "9999"], "node-id"),
                         (["--db", "x", "--bogus"], "bogus")]:
        proc = subprocess.run([harness.PARLEYD, *args], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin"}, timeout=10)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr, (args, proc.stderr)
