"""What survives a reload: the session's model, its table and its compare runs, kept in this browser's
localStorage (gr.BrowserState); the settings survive in the page's address (ui/share_url.py).

What comes back from the browser is untrusted input: the model goes through the checkpoint loader
(safetensors, never pickle) and the table through the upload's reader and checks, exactly as files a
visitor uploads. A model too big for localStorage is not kept, and the page says so (download it).

The browser's copy is encrypted with RNN_NAMES_KEEP_SECRET (a documented default when unset), the
same at every start, so a restarted server reads what the last one kept. Each secret keeps its copy
under its own localStorage key: Gradio replaces a copy it cannot decrypt with the empty default as
the page opens, so a copy made with another secret is never given to it. The page says when the
browser holds such a copy; it stays as it was until the learner presses Start over."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

import gradio as gr
import pandas as pd

from rnn_demo.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from rnn_demo.data import DataError
from rnn_demo.files import read_upload, within_limits
from rnn_demo.report import RUN_COLUMNS

from . import data_tab
from .session import Session

# localStorage holds ~5 MB a site and Gradio's encryption grows a value by about a third: a model of
# hidden 128 and 2 layers is ~0.7 MB, one of hidden 512 several MB (not kept).
MAX_MODEL_BYTES = 1_500_000
MAX_TABLE_BYTES = 1_000_000  # the classic set as CSV is ~300 KB
MAX_RUNS_KEPT = 10
STORAGE_PREFIX = "rnn-names-work"  # this app's copies in localStorage, one per secret
# The copy's encryption key. Gradio sends it to the page (the browser decrypts), so it keeps other
# sites' scripts out, not the visitor: what matters is that it stays the same across restarts.
SECRET_VARIABLE = "RNN_NAMES_KEEP_SECRET"
DEFAULT_SECRET = "rnn-names-kept-work"
VERSION = 1  # every copy this module writes carries it
UNREADABLE = {"unreadable": True}  # what the page sends when the browser holds only copies made with another secret
UNREADABLE_NOTE = ("⚠ This browser holds work kept by an earlier start of this server, which this start cannot "
                   f"read (its {SECRET_VARIABLE} changed). It is left as it was; ↺ Start over removes it.")


def secret() -> str:
    """The browser copy's key: RNN_NAMES_KEEP_SECRET, or the documented default."""
    return os.environ.get(SECRET_VARIABLE, "").strip() or DEFAULT_SECRET


def storage_key(secret_text: str) -> str:
    """The localStorage key of the copy made with this secret (a hash of it: the page has the secret anyway)."""
    return f"{STORAGE_PREFIX}-{hashlib.sha256(secret_text.encode()).hexdigest()[:12]}"


def _other_copies_js(key: str) -> str:
    return f"Object.keys(localStorage).filter(k => k.startsWith('{STORAGE_PREFIX}') && k !== '{key}')"


def read_js(key: str) -> str:
    """The load event's js: this secret's copy as Gradio read it, or UNREADABLE when there is none and the
    browser holds copies made with other secrets."""
    return ("(...args) => { const kept = args[2]; "
            f"const others = {_other_copies_js(key)}.length > 0; "
            "return [args[0], args[1], others && !(kept && kept.version) ? {unreadable: true} : kept]; }")


def start_over_js() -> str:
    """A clean page, no link settings, and no copies in this browser (other secrets' too)."""
    return (f"() => {{ {_other_copies_js('')}.forEach(k => localStorage.removeItem(k)); "
            "window.location.assign(window.location.pathname); }")


KEY = storage_key(secret())
READ_JS = read_js(KEY)


def build() -> gr.BrowserState:
    return gr.BrowserState({}, storage_key=KEY, secret=secret())


def _model_bytes(session: Session) -> bytes:
    path = save_checkpoint(session.model, session.folder / "kept.safetensors")
    return path.read_bytes()


def keep(session: Session) -> tuple[dict, str]:
    """(what the browser keeps for this session, '' or a line on what could not be kept)."""
    kept, notes = {"version": VERSION}, []
    if session.model is not None:
        data = _model_bytes(session)
        if len(data) <= MAX_MODEL_BYTES:
            kept["model"], kept["trained_at"] = base64.b64encode(data).decode("ascii"), session.trained_at
        else:
            notes.append(f"your model ({len(data) / 1e6:.1f} MB) is too big to keep in this browser over a reload: "
                         "download it (Model tab) to keep it")
    if session.table is not None:
        text = session.table.to_csv(index=False)
        if len(text.encode()) <= MAX_TABLE_BYTES:
            kept["table"] = text
        else:
            notes.append("your table is too big to keep in this browser over a reload: download it (Data tab)")
    kept["runs"] = session.runs[-MAX_RUNS_KEPT:]
    # NaN (the plots' placeholder points) is not JSON: the browser stores null, read back as NaN.
    kept["curves"] = [curve.astype(object).where(curve.notna(), None).to_dict("split")
                      for curve in session.curves[-MAX_RUNS_KEPT:]]
    what = [name for name, key in (("your model", "model"), ("your table", "table")) if key in kept]
    what += [f"{len(kept['runs'])} compare run{'s' if len(kept['runs']) != 1 else ''}"] if kept["runs"] else []
    line = f"✓ Kept in this browser over a reload: {', '.join(what)}." if what else ""
    return kept, "  \n".join([line, *(f"⚠ {note}." for note in notes)]).strip()


def _restore_model(session: Session, text, when) -> str:
    data = base64.b64decode(str(text), validate=True)
    if len(data) > MAX_MODEL_BYTES:
        raise CheckpointError("larger than a kept model can be")
    path = session.folder / "restored.safetensors"
    path.write_bytes(data)
    session.use_model(load_checkpoint(path), str(when or "kept from your last visit")[:40])
    session.previous = None  # nothing to go back to on a fresh page
    return "your model"


def _restore_table(session: Session, text) -> str:
    if len(str(text).encode()) > MAX_TABLE_BYTES:
        raise DataError("larger than a kept table can be")
    path = session.folder / "restored.csv"
    path.write_text(str(text), encoding="utf-8")
    table = read_upload(path)  # the upload's reader: the same columns, limits and checks
    read_cut = table.attrs.get("cut", "")
    session.table, cut = within_limits(table)  # labels and lengths too: a kept copy can be edited in the browser
    cut = "; ".join(c for c in (read_cut, cut) if c)
    return f"your table (cut to the limits: {cut})" if cut else "your table"


def _restore_runs(session: Session, runs, curves) -> str:
    if not (isinstance(runs, list) and isinstance(curves, list) and len(runs) == len(curves) <= MAX_RUNS_KEPT):
        raise ValueError("not a list of runs")
    rows = [{key: row[key] for key in RUN_COLUMNS} for row in runs]  # KeyError, TypeError: not ours
    frames = [pd.DataFrame(c["data"], columns=c["columns"]).astype({"epoch": float, "value": float}) for c in curves]
    session.runs, session.curves = rows, frames
    return "your compare runs" if rows else ""


def restore(session: Session, kept) -> str:
    """Put back what the browser kept (on a fresh session only); a line saying what came back and
    what was refused. Nothing refused is fatal: the rest still comes back."""
    if not isinstance(kept, dict) or session.model is not None or session.table is not None:
        return ""
    if kept == UNREADABLE:
        return UNREADABLE_NOTE
    back, refused = [], []
    steps = [("model", lambda: _restore_model(session, kept["model"], kept.get("trained_at")) if "model" in kept
              else ""),
             ("table", lambda: _restore_table(session, kept["table"]) if "table" in kept else ""),
             ("compare runs", lambda: _restore_runs(session, kept.get("runs", []), kept.get("curves", [])))]
    for name, step in steps:
        try:
            back += [step()]
        except (CheckpointError, DataError, ValueError, KeyError, TypeError, binascii.Error) as err:
            refused.append(f"the kept {name} could not be read ({str(err)[:80]})")
    back = [b for b in back if b]
    session.restored = bool(back)
    lines = [f"↻ Back from your last visit: {', '.join(back)}."] if back else []
    return " ".join(lines + [f"⚠ {'; '.join(refused)}: started without it."] if refused else lines)


def start_over(session: Session) -> dict:
    """Forget this browser's model, table and runs (the page then reloads without them)."""
    session.model, session.table, session.previous = None, None, None
    session.runs, session.curves, session.trained_at = [], [], ""
    session.restored = False
    return {}


def restored_views(data: data_tab.DataTab, compare: tuple, loss_plot: gr.LinePlot,
                   status: gr.Markdown) -> tuple[callable, list]:
    """(fn(session), outputs) for the page's load event: the kept table on the Data tab, the kept runs'
    table on the Compare tab and the last run's loss curve with a status saying whose it is, or nothing
    at all sent when nothing was kept. (The Compare tab draws its plot when opened: a plot's colours need
    two updates, see ui/plots.py; the loss plot's colours are fixed, one update draws it.)"""
    shown_fn, _, data_outputs = data.shown
    compare_fn, _, (runs_table, _plot) = compare

    def show(session: Session) -> tuple:
        if not session.restored:
            return tuple(gr.skip() for _ in (*data_outputs, runs_table, loss_plot, status))
        curve, line = gr.skip(), gr.skip()
        if session.curves:  # the learner's own curve is what they watched: it comes back with the model
            last = session.curves[-1]
            curve = last.drop(columns="run")
            line = (f"Your last training ({last['run'].iloc[0]}), kept in this browser: its curve as it ended. "
                    "Press **▶ Train** to train again.")
        return (*shown_fn(session), next(compare_fn(session))[0], curve, line)

    return show, [*data_outputs, runs_table, loss_plot, status]


def wire(kept: gr.BrowserState, session: gr.State, note: gr.Markdown, start_over_btn: gr.Button,
         changes: list) -> None:
    """Keep the session in the browser after each event in `changes`; Start over forgets it."""
    for event in changes:
        event.then(keep, session, [kept, note], api_visibility="private", show_progress="hidden")
    start_over_btn.click(start_over, session, kept, api_visibility="private").then(None, js=start_over_js())

