"""PostgreSQL down: sends fail fast with `unavailable` (never a false ack),
/healthz answers 503, and the node recovers by itself when it returns."""
import asyncio
import time

from harness import Client, Parleyd, http, new_user, run


def test_database_outage(pg):
    node = Parleyd(pg.url)
    try:
        alice, bob = new_user(node.base), new_user(node.base)

        async def main():
            a = await Client.connect(node, alice["token"])
            ok = await a.send_message("before", "before", to=bob["user_id"])
            assert ok["type"] == "ack"
            pg.stop()
            started = time.monotonic()
            err = await a.send_message("during", "during", to=bob["user_id"], timeout=15)
            assert err["type"] == "error" and err["code"] == "unavailable", err
            assert time.monotonic() - started < 10, "unavailable within a few seconds"
            status, body = http(node.base, "GET", "/healthz")
            assert status == 503 and body["db"] != "ok"
            assert pg.query is not None
            pg.start()
            deadline = time.monotonic() + 30
            while True:
                reply = await a.send_message("during", "during", to=bob["user_id"], timeout=15)
                if reply["type"] == "ack":
                    break
                assert reply["code"] == "unavailable"
                assert time.monotonic() < deadline, "node did not recover"
                await __import__("asyncio").sleep(0.5)
            status, _ = http(node.base, "GET", "/healthz")
            assert status == 200
            await a.close()

        run(main())
        rows = pg.query("SELECT client_id FROM messages WHERE sender_device = %s ORDER BY seq",
                        int(alice["device_id"]))
        assert [r[0] for r in rows] == ['"before"', '"during"']
    finally:
        node.stop()


def test_frozen_database(pg):
    """SIGSTOP on PostgreSQL and its backends: the node answers within a few
    seconds instead of hanging, and recovers after SIGCONT."""
    import os
    import signal
    import subprocess

    node = Parleyd(pg.url)
    with open(os.path.join(pg.dir, "data", "postmaster.pid")) as f:
        postmaster = int(f.readline())

    def signal_postgres(sig):
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                                  text=True).stdout.split()
        for pid in [postmaster] + [int(c) for c in children]:
            os.kill(pid, sig)

    try:
        alice, bob = new_user(node.base), new_user(node.base)

        async def main():
            a = await Client.connect(node, alice["token"])
            assert (await a.send_message("warm", "warm", to=bob["user_id"]))["type"] == "ack"
            signal_postgres(signal.SIGSTOP)
            try:
                started = time.monotonic()
                err = await a.send_message("frozen", "frozen", to=bob["user_id"], timeout=20)
                assert (err["type"], err["code"]) == ("error", "unavailable"), err
                assert time.monotonic() - started < 6, "an answer within seconds, not a hang"
                started = time.monotonic()
                status, _ = http(node.base, "GET", "/healthz")
                assert status == 503 and time.monotonic() - started < 4
            finally:
                signal_postgres(signal.SIGCONT)
            deadline = time.monotonic() + 30
            while True:
                reply = await a.send_message("frozen", "frozen", to=bob["user_id"], timeout=15)
                if reply["type"] == "ack":
                    break
                assert time.monotonic() < deadline, "node did not recover"
                await asyncio.sleep(0.5)
            await a.close()

        run(main())
        rows = pg.query("SELECT count(*) FROM messages WHERE sender_device = %s AND client_id = %s",
                        int(alice["device_id"]), '"frozen"')
        assert rows == [(1,)], "the retried send is stored exactly once"
    finally:
        node.stop()
