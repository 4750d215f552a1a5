"""Serving: what keeps the app fast and bounded on a small shared machine, apart from the page.

- `worker.py`: trainings in worker processes at a lower priority than serving.
- `asgi.py`: the request-body limit, the sweep that ends idle sessions, cleanup on SIGTERM.
- `gradio_speed.py`: two measured speed-ups for Gradio 6.31 (a new session's first call).
- `reload.py`: live-coding under `gradio app.py`: what outlives a reload, and an edit that cannot run.

app.py calls `setup()` before building the page and `launch(demo, ...)` to serve it.
"""

from __future__ import annotations

import gc
import warnings

import torch

from . import asgi, gradio_speed, reload, worker


def setup() -> None:
    """Before the page is built: one CPU thread per training, Gradio's speed-ups."""
    # Two sessions training at once on a 2-core Space then share the CPU fairly instead of
    # oversubscribing it (measured ~20x slower with torch's default threads).
    torch.set_num_threads(1)
    gradio_speed.apply()
    # classify's session State is its default in every MCP call: the intent (README, MCP), not news.
    warnings.filterwarnings("ignore", message="This MCP server includes a tool that has a gr.State input")


def launch(demo, work_dir, **options) -> None:
    """Serve `demo` with the body limit, the idle-session sweep and cleanup of `work_dir` on exit.

    Under `gradio app.py`, Gradio's watcher runs app.py again on every saved edit, in a thread of its own:
    there the server, its signal handlers and this process's set-up already exist (and `signal` works only
    on the main thread); only the pools of earlier edits are retired (their workers run the old code)."""
    reload.loaded()
    if reload.in_reload():
        worker.retire_old_pools()
        return
    # All built so far (torch, Gradio, the page, the shipped model) lives as long as the server: kept out
    # of the garbage collector's sight, a full collection pauses every call ~15 ms instead of ~170 ms.
    gc.freeze()
    # The first worker warms up (imports torch, one tiny training) while the page already answers: a Train
    # pressed before it is warm says so in the status line (ui/train_panel.py).
    asgi.remove_on_exit(work_dir)
    # Client-side rendering, said explicitly: a Space turns Gradio's server-side rendering on by default
    # (a Node server beside Python), and the page is tested here only as the browser renders it.
    demo.launch(mcp_server=True, ssr_mode=False, app_kwargs=asgi.app_kwargs(), **options)
