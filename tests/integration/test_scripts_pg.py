"""The private PostgreSQL that scripts/run, scripts/cluster and scripts/bench
start (scripts/lib.sh): scram-sha-256 for every role, no `trust`, the
socket in a 0700 directory, a migrated database parleyd uses as a role that
can only read and write Parley's tables."""
import os
import stat
import subprocess
import tempfile

import psycopg2
import pytest

from harness import PARLEYD, ROOT


def lib(dir_, script):
    env = {**os.environ, "PARLEY_BUILD_DIR": os.path.dirname(os.path.abspath(PARLEYD))}
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source scripts/lib.sh; {script}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_the_scripts_postgres_wants_passwords_and_keeps_parleyd_to_its_tables():
    d = tempfile.mkdtemp(prefix="parley-scripts-pg-")
    os.chmod(d, 0o755)  # the postgres user must reach the data directory under it
    try:
        r = lib(d, f"start_private_pg {d}/pg")
        assert r.returncode == 0, r.stderr
        url = r.stdout.strip().splitlines()[-1]
        assert url.startswith("postgresql://parley_app@127.0.0.1:") and ":" not in url.split("@")[0][13:], url
        passfile = f"{d}/pg/pgpass"
        assert stat.S_IMODE(os.stat(passfile).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(f"{d}/pg/socket").st_mode) == 0o700
        hba = open(f"{d}/pg/data/pg_hba.conf").read()
        rules = [line.split() for line in hba.splitlines() if line.strip() and not line.startswith("#")]
        assert rules and all(rule[-1] == "scram-sha-256" for rule in rules), rules
        with pytest.raises(psycopg2.OperationalError, match="password"):
            psycopg2.connect(url, passfile="/dev/null").close()
        with psycopg2.connect(url, passfile=passfile) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM schema_version")
            assert cur.fetchone()[0] >= 9  # migrated by parleyd --migrate-only
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with psycopg2.connect(url, passfile=passfile) as conn, conn.cursor() as cur:
                cur.execute("DROP TABLE messages")
        # A second start reuses it, and a parleyd can run on it as the app role.
        r = lib(d, f"start_private_pg {d}/pg")
        assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] == url, r.stderr
        out = subprocess.run([PARLEYD, "--migrate-only", "--db", url],
                             env={**os.environ, "PGPASSFILE": passfile},
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        lib(d, f"stop_private_pg {d}/pg")
        subprocess.run(["rm", "-rf", d])
