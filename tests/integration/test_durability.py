"""kill -9 of parleyd while a client streams: every acked message is stored
and delivered after reconnect, and retried sends are not duplicated."""
import asyncio
import signal

import websockets

from harness import Client, Parleyd, drain_all, new_user, run


def test_kill9_mid_stream(pg):
    node = Parleyd(pg.url)
    try:
        alice, bob = new_user(node.base), new_user(node.base)
        acked = {}

        async def stream_until_killed():
            a = await Client.connect(node, alice["token"])
            sent = 0
            try:
                for i in range(100000):
                    await a.send({"type": "send", "id": f"k{i}", "to": bob["user_id"],
                                  "body": f"k{i}"})
                    sent += 1
                    if i == 300:
                        node.proc.send_signal(signal.SIGKILL)  # mid-stream
                    while True:  # read what is ready without waiting
                        try:
                            f = await a.recv(0.001 if i < 300 else 1.0)
                        except asyncio.TimeoutError:
                            break
                        if f["type"] == "ack":
                            acked[f["id"]] = f
            except (websockets.ConnectionClosed, ConnectionError, OSError):
                pass
            return sent

        sent = run(stream_until_killed())
        node.proc.wait(10)
        assert node.proc.returncode == -signal.SIGKILL
        assert acked, "some messages were acknowledged before the kill"
        node.stop()
        node.start()

        # Every acked message is stored, once.
        rows = pg.query("SELECT client_id, msg_id, seq FROM messages WHERE sender_device = %s",
                        int(alice["device_id"]))
        stored = {cid.strip('"'): (str(mid), seq) for cid, mid, seq in rows}
        for cid, ack in acked.items():
            assert stored[cid] == (ack["msg_id"], ack["seq"]), cid

        async def after_restart():
            # The sender retries what was not acked; nothing is duplicated.
            a = await Client.connect(node, alice["token"])
            missing = [f"k{i}" for i in range(sent) if f"k{i}" not in acked]
            for cid in missing:
                ack = await a.send_message(cid, cid, to=bob["user_id"])
                assert ack["type"] == "ack", ack
                acked[cid] = ack
            conv = next(iter(acked.values()))["conversation"]
            # The recipient gets every acked message after reconnecting.
            b = await Client.connect(node, bob["token"])
            got = await drain_all(b, conv, {x["seq"] for x in acked.values()})
            assert {m["msg_id"] for m in got.values()} >= {x["msg_id"] for x in acked.values()}
            for c in (a, b):
                await c.close()

        run(after_restart())
        counts = pg.query("SELECT client_id, count(*) FROM messages WHERE sender_device = %s "
                          "GROUP BY client_id HAVING count(*) > 1", int(alice["device_id"]))
        assert counts == []
    finally:
        node.stop()
