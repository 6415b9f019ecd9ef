"""PostgreSQL down: sends fail fast with `unavailable` (never a false ack),
/healthz answers 503, and the node recovers by itself when it returns."""
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
