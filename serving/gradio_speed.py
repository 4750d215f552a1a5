"""Two measured speed-ups for Gradio 6.31, applied by app.py: a new session's first call.

Each new session makes Gradio build the config of every block on the page up front
(gradio/state_holder.py, SessionState.__init__), to recreate the page for a deep link
(gr.DeepLinkButton, which this app has none of):
- Block.get_config calls inspect.signature(cls.__init__) for every block every time; a component
  class's __init__ never changes, so its signature is computed once. A new session's first
  /classify 33 ms -> 17 ms (494 blocks then).
- The configs themselves are built when a deep link asks for them instead (lazy_session_configs):
  with 30 sessions arriving at once, building them was 44 % of the server's time (py-spy), and a
  burst of 30 first calls took 1.1 s.
Remove when Gradio caches the signature and builds the configs on demand itself.
"""

from __future__ import annotations

import functools
import inspect
import types
import warnings

import gradio
import gradio.blocks
from gradio.state_holder import SessionState

# Both patch Gradio's internals (gradio.blocks.inspect, SessionState.__init__): written against and
# measured on this version only; on any other they are skipped with a warning and Gradio runs as shipped.
GRADIO_VERSION = "6.31.0"
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
    """Both speed-ups (idempotent), on the Gradio version they were written for."""
    if gradio.__version__ != GRADIO_VERSION:
        warnings.warn(f"serving/gradio_speed.py is written for Gradio {GRADIO_VERSION}, not {gradio.__version__}: "
                      "its speed-ups are skipped", stacklevel=2)
        return
    lazy_session_configs()
    if isinstance(gradio.blocks.inspect, _InspectWithCachedSignature):
        return
    module = _InspectWithCachedSignature("inspect")
    module.signature = signature
    gradio.blocks.inspect = module


class _PageWithoutBlocks:
    """What SessionState.__init__ reads of a Blocks, with no blocks: it then builds no configs."""

    def __init__(self, blocks):
        self.default_config, self.blocks = blocks.default_config, {}


# Gradio's own, even when this module is imported again (gradio app.py reloads it on save).
_eager_init = getattr(SessionState.__init__, "eager", SessionState.__init__)
_components = getattr(SessionState.components.fget, "eager", SessionState.components)


def _lazy_init(self: SessionState, blocks) -> None:
    _eager_init(self, _PageWithoutBlocks(blocks))
    self.page_blocks = blocks.blocks  # the blocks whose configs a deep link recreates


def _all_components(self: SessionState):
    """SessionState.components, each config built on first need and kept in the page's order,
    as Gradio's would be (a block updated since has its config already)."""
    built = self.config_values
    self.config_values = {key: built[key] if key in built else self.blocks_config.config_for_block(key, [], block)
                          for key, block in self.blocks_config.blocks.items() if key in self.page_blocks}
    self.config_values.update((key, config) for key, config in built.items() if key not in self.config_values)
    return _components.fget(self)


def lazy_session_configs() -> None:
    """A new session builds no block configs until a deep link needs them (idempotent)."""
    _lazy_init.eager, _all_components.eager = _eager_init, _components
    SessionState.__init__ = _lazy_init
    SessionState.components = property(_all_components)
