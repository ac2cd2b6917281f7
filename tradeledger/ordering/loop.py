"""Stopping an asyncio loop that runs in its own thread, behind a synchronous API."""

from __future__ import annotations

import asyncio
import threading


def stop_loop_thread(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    """Cancel what still runs on `loop`, stop it, join its thread and close it."""

    async def cancel_the_rest() -> None:
        # nats-py leaves reader/flusher tasks behind a failed or closed connection;
        # end them here so that closing the loop destroys no pending task.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    try:
        asyncio.run_coroutine_threadsafe(cancel_the_rest(), loop).result(5)
    except (TimeoutError, RuntimeError):
        pass
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    if not thread.is_alive():
        loop.close()
