"""Waiting requests wake on the one subscription, and on the poller when a notice is missed."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis
from xcoder_judge.service.queue import keys
from xcoder_judge.service.queue.notify import CompletionWaiter


def test_a_published_notice_wakes_only_its_waiters(redis_url):
    async def main():
        client = aioredis.Redis.from_url(redis_url)
        waiter = CompletionWaiter(client, poll_interval_s=30)
        await waiter.start()
        try:
            await asyncio.wait_for(waiter.subscribed.wait(), 5)
            with waiter.watch(["j1", "j2"]) as watch:
                task = asyncio.create_task(watch.wait(["j1"], 10))
                await asyncio.sleep(0.05)
                await client.publish(keys.done_channel(), "other")
                await asyncio.sleep(0.05)
                assert not task.done()
                start = time.monotonic()
                await client.publish(keys.done_channel(), "j1")
                await asyncio.wait_for(task, 5)
                assert time.monotonic() - start < 5
                # j2 never got a notice: a wait on it runs into its timeout.
                start = time.monotonic()
                await watch.wait(["j2"], 0.2)
                assert time.monotonic() - start >= 0.19
            assert waiter.watched == 0
        finally:
            await waiter.close()
            await client.aclose()

    asyncio.run(main())


def test_a_missed_notice_is_caught_by_the_poller(redis_url, sync_redis):
    sync_redis.hset(keys.job_key("silent"), "status", "started")

    async def main():
        client = aioredis.Redis.from_url(redis_url)
        waiter = CompletionWaiter(client, poll_interval_s=0.1)
        await waiter.start()
        try:
            with waiter.watch(["silent"]) as watch:
                task = asyncio.create_task(watch.wait(["silent"], 30))
                await asyncio.sleep(0.3)
                assert not task.done()  # still running: the poller leaves it waiting
                await client.hset(keys.job_key("silent"), "status", "finished")  # no notice published
                await asyncio.wait_for(task, 5)
        finally:
            await waiter.close()
            await client.aclose()

    asyncio.run(main())


def test_a_notice_consumed_once_needs_a_new_one(redis_url):
    async def main():
        client = aioredis.Redis.from_url(redis_url)
        waiter = CompletionWaiter(client, poll_interval_s=30)
        await waiter.start()
        try:
            await asyncio.wait_for(waiter.subscribed.wait(), 5)
            with waiter.watch(["re"]) as watch:
                await client.publish(keys.done_channel(), "re")
                await asyncio.wait_for(watch.wait(["re"], 10), 5)
                # A retried job: woken once, it must wait for the next notice.
                start = time.monotonic()
                await watch.wait(["re"], 0.2)
                assert time.monotonic() - start >= 0.19
        finally:
            await waiter.close()
            await client.aclose()

    asyncio.run(main())


def test_a_notice_may_carry_the_finished_result(redis_url, sync_redis):
    from xcoder_judge.service.queue.notify import NOTICE_RESULT_MAX_BYTES, publish_done

    async def main():
        client = aioredis.Redis.from_url(redis_url)
        waiter = CompletionWaiter(client, poll_interval_s=30)
        await waiter.start()
        try:
            await asyncio.wait_for(waiter.subscribed.wait(), 5)
            with waiter.watch(["small", "large", "bare"]) as watch:
                with sync_redis.pipeline() as pipe:
                    publish_done(pipe, "small", '{"verdict": "AC"}')
                    publish_done(pipe, "large", "x" * (NOTICE_RESULT_MAX_BYTES + 1))
                    publish_done(pipe, "bare")
                    pipe.execute()
                delivered = await asyncio.wait_for(watch.wait(["small", "large", "bare"], 10), 5)
            # Large results are read by the waiter instead of being sent to every API replica.
            assert delivered == {"small": '{"verdict": "AC"}'}
        finally:
            await waiter.close()
            await client.aclose()

    asyncio.run(main())
