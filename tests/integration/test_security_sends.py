"""Fan-out budgets against a real parleyd: one budget for all of a user's
devices, and made-up conversation ids refused before anything is spawned
or queued for them."""
import asyncio
import random
import time

import pytest

from harness import Client, Parleyd, Postgres, login, new_user, run


def test_one_send_budget_for_all_of_a_users_devices(pg):
    node = Parleyd(pg.url, extra=["--user-send-rate", "5", "--user-send-burst", "20"])
    try:
        sender, peer, bystander, friend = (new_user(node.base) for _ in range(4))
        devices = [sender] + [login(node.base, sender["name"]) for _ in range(2)]

        async def main():
            clients = [await Client.connect(node, d["token"]) for d in devices]
            started = time.monotonic()
            for i in range(60):  # 20 a device, as fast as the client can
                await clients[i % 3].send({"type": "send", "id": f"m{i}", "to": peer["user_id"],
                                           "body": str(i)})
            answers = []  # refusals come at once, acks after their commit
            for k, c in enumerate(clients):
                while len([a for a in answers if a["device"] == k]) < 20:
                    frame = await c.first(lambda f: f["type"] in ("ack", "error"), 10, "answer")
                    answers.append({**frame, "device": k})
            elapsed = time.monotonic() - started
            acked = sum(a["type"] == "ack" for a in answers)
            refused = [a for a in answers if a["type"] == "error"]
            # The burst, what the rate refilled meanwhile, and one lot per device.
            assert acked <= 20 + 5 * elapsed + 3, (acked, elapsed)
            assert refused and all(a["code"] == "rate_limited" for a in refused), refused
            # Another user's budget is their own: a full burst of it goes through.
            b = await Client.connect(node, bystander["token"])
            for i in range(20):
                got = await b.send_message(f"b{i}", "hi", to=friend["user_id"])
                assert got["type"] == "ack", got
            # The budget refills.
            await asyncio.sleep(1.2)
            assert (await clients[0].send_message("later", "x", to=peer["user_id"]))["type"] == "ack"
            for c in clients + [b]:
                await c.close()

        run(main())
    finally:
        node.stop()


def test_made_up_conversation_ids_load_nothing():
    pg = Postgres(settings=("log_statement=all",))  # every statement parleyd runs is logged
    node = Parleyd(pg.url)
    try:
        attacker, alice, bob = (new_user(node.base) for _ in range(3))

        async def main():
            a = await Client.connect(node, alice["token"])
            ack = await a.send_message("first", "hi", to=bob["user_id"])
            mark = len(pg.server_log())
            x = await Client.connect(node, attacker["token"])
            ids = random.sample(range(10**12, 10**13), 200) + [int(ack["conversation"])]
            for i, conv in enumerate(ids):
                await x.send({"type": "send", "id": f"f{i}", "conversation": str(conv),
                              "body": "x"})
            codes = [(await x.expect_ack_or_error(f"f{i}"))["code"] for i in range(len(ids))]
            assert codes == ["no_such_conversation"] * 200 + ["not_a_member"], set(codes)
            # Meanwhile alice's sends go on.
            for i in range(20):
                assert (await a.send_message(f"a{i}", "x", to=bob["user_id"]))["type"] == "ack"
            flood_log = pg.server_log()[mark:]
            # No conversation was loaded for the flood (its load begins with
            # conversation_meta), nothing of it was written.
            assert "conversation_meta" not in flood_log
            assert flood_log.count("may_use_conversation") >= 201
            await a.close()
            await x.close()

        run(main())
    finally:
        node.stop()
        pg.close()
