"""Live-coding: `gradio app.py` picks up every saved edit, and the page says when one cannot be used.

On a save, Gradio's watcher (a thread, not the main one) drops every module of this project from
`sys.modules` and runs app.py again: the page, the shipped model and a new training pool are then built
from the code on disk, and Gradio swaps the new page in. What must outlive that (the pools of earlier
edits, to be retired; the folder of visitors' files) is kept in `kept()`, a module of no file, which
Gradio leaves in `sys.modules`. An edit that does not import leaves the last working code answering:
`problem()` tells which file and why, for the page to show.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("app.py", "rnn_demo", "ui", "serving")  # the project's code: what a save can change
_KEPT = sys.modules.setdefault("rnn_names_kept_across_reloads", types.ModuleType("rnn_names_kept_across_reloads"))


def live_coding() -> bool:
    """Started as `gradio app.py` (its watcher names the folders it watches in the environment)."""
    return bool(os.environ.get("GRADIO_WATCH_DIRS"))


def in_reload() -> bool:
    """True while Gradio's watcher runs app.py again (it runs in a thread of its own)."""
    return threading.current_thread() is not threading.main_thread()


def kept(name: str, make: Callable[[], object]):
    """`make()` the first time this process asks for `name`, the same object after every reload."""
    if not hasattr(_KEPT, name):
        setattr(_KEPT, name, make())
    return getattr(_KEPT, name)


def source_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in WATCHED[1:]:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def fingerprint() -> str:
    """A hash of the project's Python source as it is on disk now."""
    digest = hashlib.sha256()
    for path in source_files():
        try:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:  # deleted between listing and reading: the next look sees it gone
            continue
    return digest.hexdigest()


def loaded(print_fingerprint: str | None = None) -> None:
    """The page was built from the code on disk now (app.py calls this after a successful (re)load)."""
    _KEPT.loaded = print_fingerprint or fingerprint()


def problem() -> str:
    """'' when the running code is the code on disk; else what stops the edit from running: a file that
    does not compile (its line and message), or an import that failed (told in the terminal)."""
    running = getattr(_KEPT, "loaded", None)
    if running is None or running == fingerprint():
        return ""
    for path in source_files():
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError as err:
            where = Path(err.filename or path).resolve().relative_to(ROOT).as_posix()
            return (f"⚠ Your edit to `{where}` does not run: {err.msg} (line {err.lineno}). "
                    "The last code that worked still answers; fix the file and save.")
        except (OSError, ValueError):
            continue
    return ("⚠ The code on disk changed but could not be loaded (the terminal running `gradio app.py` shows "
            "the error), or is still loading. The last code that worked still answers; fix the file and save.")
