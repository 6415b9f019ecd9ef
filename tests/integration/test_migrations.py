"""Migrations: applied on an empty database, recorded, not re-applied, and
safe when two nodes start on the same empty database at once."""
import subprocess
import threading

from harness import Parleyd, http, new_user


def test_applied_once_and_recorded(pg):
    url = pg.create_database("migrate_once")
    node = Parleyd(url)
    try:
        assert "applied migration 1" in node.read_log()
        assert new_user(node.base)["user_id"]
        node.stop()
        node.start()
        assert "database ready (0 migration(s) applied)" in node.read_log()
    finally:
        node.stop()
    import psycopg2
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_version ORDER BY version")
        versions = [r[0] for r in cur.fetchall()]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 2


def test_two_nodes_migrate_at_once(pg):
    url = pg.create_database("migrate_race")
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
