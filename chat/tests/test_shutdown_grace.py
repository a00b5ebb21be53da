"""A worker that stops lets the turns its clients left finish; those still running past the
grace are cancelled while the event loop still runs, so they can record that they were
interrupted (config/lifespan.py)."""

import asyncio

from asgiref.sync import async_to_sync

from chat import streaming


def test_running_turns_finish_and_those_past_the_grace_are_cancelled_and_record_it() -> None:
    recorded: list[str] = []

    async def slow_turn() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await asyncio.sleep(0.01)  # the turn's last database work
            recorded.append("interrupted")
            raise

    async def quick_turn() -> None:
        await asyncio.sleep(0.05)
        recorded.append("finished")

    async def stop() -> tuple[bool, bool]:
        slow, quick = asyncio.create_task(slow_turn()), asyncio.create_task(quick_turn())
        for task in (slow, quick):
            streaming._running.add(task)
            task.add_done_callback(streaming._running.discard)
        await streaming.turns_finished(timeout=0.3, cancel_timeout=1.0)
        return slow.cancelled(), quick.cancelled()

    assert async_to_sync(stop)() == (True, False)
    assert recorded == ["finished", "interrupted"]
    assert not streaming._running


def test_nothing_running_returns_at_once() -> None:
    async def stop() -> None:
        await streaming.turns_finished(timeout=30, cancel_timeout=30)

    async_to_sync(stop)()  # asyncio.wait refuses an empty set of tasks
