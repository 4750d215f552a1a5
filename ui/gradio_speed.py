"""One measured speed-up for Gradio 6.31, applied by app.py.

Each new session makes Gradio rebuild the config of every block on the page
(gradio/state_holder.py, SessionState), and Block.get_config calls inspect.signature(cls.__init__)
for every block every time: about half the cost of a session's first call. A component class's
__init__ never changes, so its signature can be computed once. Measured on the 2-core machine:
a new session's first /classify 33 ms -> 17 ms (494 blocks), and the room's p95 with it.
Remove when Gradio caches the signature itself.
"""

from __future__ import annotations

import functools
import inspect
import types

import gradio.blocks

_cached_signature = functools.lru_cache(maxsize=4096)(inspect.signature)


def signature(obj, *args, **kwargs) -> inspect.Signature:
    """inspect.signature, cached for the plain calls Gradio makes on classes and functions."""
    if args or kwargs:
        return inspect.signature(obj, *args, **kwargs)
    try:
        return _cached_signature(obj)
    except TypeError:  # an unhashable callable: no caching
        return inspect.signature(obj)


class _InspectWithCachedSignature(types.ModuleType):
    """The inspect module as gradio.blocks sees it: the same, but signature is cached."""

    def __getattr__(self, name):
        return getattr(inspect, name)


def apply() -> None:
    """Make gradio.blocks use the cached signature (idempotent)."""
    if isinstance(gradio.blocks.inspect, _InspectWithCachedSignature):
        return
    module = _InspectWithCachedSignature("inspect")
    module.signature = signature
    gradio.blocks.inspect = module
