"""A training's stream as an async generator: its steps run in a thread, but its waits in the trainer's
line (serving/line.py) are paused on the event loop, so that sixty learners waiting for the trainer hold
none of the server's threads (Gradio runs each step of a sync generator in one of its 40 threads, and a
step that waits its turn would hold one for all the wait: classify would wait for a thread).

    api_door(paced(train_from_api), ...)   # the handler's own generator yields WaitingStep while it waits
"""

from __future__ import annotations

import asyncio
import functools

import anyio

PAUSE_SECONDS = 0.5  # between two looks at the line: the status's estimate refreshes this often
DONE = object()


class WaitingStep(tuple):
    """A step (the outputs) yielded while the job waits in line: the next look comes after a pause."""


def _step(stream):
    return next(stream, DONE)


def paced(handler):
    """`handler` (a sync generator function) as an async generator function with the same outputs."""
    @functools.wraps(handler)
    async def run(*args):
        stream = handler(*args)
        try:
            while (step := await anyio.to_thread.run_sync(_step, stream)) is not DONE:
                yield step
                if isinstance(step, WaitingStep):
                    await asyncio.sleep(PAUSE_SECONDS)
        finally:
            stream.close()  # a cancel or a closed tab: the stream's own clean-up (it never waits)
    return run
