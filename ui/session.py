"""One browser session's state: its model, its runs, its downloads folder. Never shared.

The shipped model and the default table are read once and only read: a session that trains gets a
model of its own in `Session.model`.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
import threading
from pathlib import Path

import gradio as gr
import pandas as pd

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.models import NameClassifier, count_parameters
from rnn_demo.report import read_default_table, shipped_model_split
from serving import reload

DEFAULT_TABLE = read_default_table()
DEFAULT_MODEL = load_checkpoint()  # read-only: sessions train models of their own


def _work_dir() -> Path:
    """A fresh folder for everything of this server's visitors, removed when it stops (atexit, and
    SIGTERM: serving/asgi.py). Gradio's own copies of uploads and downloads go in it too (it would keep
    them in GRADIO_TEMP_DIR, and leave folders and the app's copies behind there): inside the folder a
    Space owner named in GRADIO_TEMP_DIR, if any."""
    owners = os.environ.get("GRADIO_TEMP_DIR")
    if owners:
        os.makedirs(owners, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="rnn-names-", dir=owners))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["GRADIO_TEMP_DIR"] = str(folder / "gradio")  # read as the page is built and at launch
    return folder


# Everything the app writes (downloads) goes under one temporary directory, the same after a reload
# (gradio app.py): the server was told at launch that this folder's files may be downloaded.
WORK_DIR = reload.kept("work_dir", _work_dir)
LOCK = type(threading.Lock())
SHARED_MEMO: dict = {}  # the views' numbers for the shipped model, computed once, only read after


class Session:
    """One browser session's model and training state (kept in gr.State, never shared)."""

    def __init__(self):
        self.model: NameClassifier | None = None  # None: the shipped default model answers
        self.trained_at = ""
        self.stop = threading.Event()  # ends this session's training at the next batch
        self.stop_experiment = threading.Event()  # ends its "remember the first letter" run
        self.training = threading.Lock()  # held while this session trains: one training at a time
        self.table: pd.DataFrame | None = None  # the Data tab's whole table; None: the default table
        self.restored = False  # a model, table or runs came back from this browser's last visit (ui/keep.py)
        self.runs: list[dict] = []  # compare view: one row per training
        self.curves: list[pd.DataFrame] = []  # compare view: one loss/accuracy curve per training
        self.val_table: pd.DataFrame | None = None  # the model's validation names; None: unknown
        self.train_table: pd.DataFrame | None = None  # and its training names
        self.snapshots: list = []  # hidden-state maps, one per epoch of the last training
        self.map_anchor = ""  # the validation name drawn nearest the name last placed on the map
        self.previous: tuple | None = None  # what answered before the last new model, to bring it back
        self._memo: dict = {}  # what the views computed once for the answering model
        self._folder: Path | None = None  # this session's downloads, under WORK_DIR
        self.room: tuple[str, str] | None = None  # (code, member token) while it shares its runs (ui/room_panel.py)

    def __deepcopy__(self, memo):  # gradio copies a state's first value; an Event or a Lock cannot be copied
        fresh = Session()
        fresh.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()
                               if not isinstance(v, (threading.Event, LOCK))})
        return fresh

    @property
    def names(self) -> pd.DataFrame:
        """The names table this session trains on (its Data tab's, all rows); read it, never change it."""
        return DEFAULT_TABLE if self.table is None else self.table

    @property
    def answering(self) -> NameClassifier:
        return self.model if self.model is not None else DEFAULT_MODEL

    @property
    def answering_val_table(self) -> pd.DataFrame | None:
        return self.val_table if self.model is not None else shipped_model_split()[1]

    @property
    def answering_train_table(self) -> pd.DataFrame | None:
        return self.train_table if self.model is not None else shipped_model_split()[0]

    def memo(self, key: str, compute):
        """compute(model) once per answering model; the shipped model's results are shared by every session."""
        memo = SHARED_MEMO if self.model is None else self._memo
        if key not in memo:
            memo[key] = compute(self.answering)
        return memo[key]

    @property
    def folder(self) -> Path:
        """A temporary folder of this session's own; file names in it are ours, never a visitor's."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(dir=WORK_DIR))
        return self._folder

    def use_model(self, model: NameClassifier, when: str, val_table: pd.DataFrame | None = None,
                  train_table: pd.DataFrame | None = None, snapshots: list | None = None) -> None:
        """Answer from now on with `model`; `when` says how it came ('trained at 12:03:04', 'uploaded
        at ...'); its split when known, and the hidden-state maps of its training. The model it
        replaces is kept, one deep, for `restore_previous`."""
        self.previous = self._answering_state()
        self.model, self.trained_at, self.val_table, self.train_table = model, when, val_table, train_table
        self.snapshots, self._memo = snapshots or [], {}

    def _answering_state(self) -> tuple:
        return self.model, self.trained_at, self.val_table, self.train_table, self.snapshots, self._memo

    def restore_previous(self) -> bool:
        """Answer again with the model the last training or upload replaced (they swap places)."""
        if self.previous is None:
            return False
        current = self._answering_state()
        (self.model, self.trained_at, self.val_table, self.train_table, self.snapshots,
         self._memo) = self.previous
        self.previous = current
        return True


def free_session(session: Session) -> None:
    """A session ended (idle for serving.SESSION_TTL): stop its training at the next batch, drop its
    models and its files."""
    session.stop.set()
    session.stop_experiment.set()
    # What weighs, dropped now even if something still holds the Session (a training that is ending).
    session.model = session.previous = session.val_table = session.train_table = None
    session.snapshots, session.curves, session._memo = [], [], {}
    if session._folder is not None:
        shutil.rmtree(session._folder, ignore_errors=True)


def build() -> gr.State:
    """The session's state, freed once the session has been idle an hour (serving/asgi.py's
    SESSION_TTL and sweep), for a page and an API client alike. No time_to_live: Gradio's would count
    from the state's last return by a handler, which this app never makes (it changes it in place).
    A blank Session, not the class: Gradio gives each session a deep copy of it (a fresh Session), where
    a callable would add a public load event, an API endpoint and an MCP tool named "Session"."""
    return gr.State(Session(), delete_callback=free_session)


def who_answers(model: NameClassifier | None, when: str) -> str:
    """'your model (trained at 12:03:04)' or 'the shipped default model', in bold."""
    return f"**your model** ({when})" if model is not None else "the **shipped default model**"


def accuracy(model: NameClassifier) -> str:
    """The validation accuracy recorded with a model, e.g. '61.5 %' ('' when none was recorded)."""
    value = model.record.get("val_accuracy")
    return f"{value:.1%}" if isinstance(value, float) else ""


def previous_line(session: Session) -> str:
    """Which model answers now beside the one it replaced, with their validation accuracies."""
    if session.previous is None:
        return ""
    model, when = session.previous[:2]
    before = model if model is not None else DEFAULT_MODEL
    return (f"Answering now: {who_answers(session.model, session.trained_at)}, validation accuracy "
            f"{accuracy(session.answering) or 'unknown'}; before it: {who_answers(model, when)}, "
            f"{accuracy(before) or 'unknown'}. **↩ Previous model** brings that one back.")


def model_info(session: Session) -> str:
    """One line: which model answers, its shape and its validation accuracy."""
    model = session.answering
    c = model.config
    score = f", validation accuracy {accuracy(model)}" if accuracy(model) else ""
    shape = "".join([f", embedding {c.embedding}" if c.embedding else "",
                     f", pooling {c.pooling}" if c.pooling != "last" else ""])
    who = who_answers(session.model, session.trained_at)
    return (f"Answering: {who} — {c.arch} {c.cell.upper()}, hidden {c.hidden_size}, {c.num_layers} layer(s){shape}, "
            f"{len(c.labels)} labels, {count_parameters(model):,} parameters{score}.")
