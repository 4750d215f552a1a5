"""rnn-names: the Gradio interface. Every piece of ML lives in `rnn_demo`; this file only lays out
the page, keeps each browser session's table and model apart, and turns training events into a
live plot.

Run: python app.py   (live-coding: gradio app.py, which reloads on save)
"""

from __future__ import annotations

import copy
import html
import shutil
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
import pandas as pd
import torch

from rnn_demo import limits, teach
from rnn_demo.checkpoints import DEFAULT_CHECKPOINT, CheckpointError, load_checkpoint, save_checkpoint
from rnn_demo.data import DataError, clean_table, read_table, split_table
from rnn_demo.models import ARCHITECTURES, CELLS, count_parameters
from rnn_demo.predict import parse_names, predict
from rnn_demo.train import BatchEvent, DoneEvent, EpochEvent, TrainConfig, TrainingError, evaluate, train

ROOT = Path(__file__).resolve().parent
DEFAULT_TABLE = pd.read_csv(ROOT / "data" / "names.csv", dtype=str, keep_default_na=False)
DEFAULT_MODEL = load_checkpoint()  # read-only: sessions train models of their own
DEFAULTS = TrainConfig()
# The shipped model was trained on the default table with the default split (checkpoints/README.md).
DEFAULT_VAL_TABLE = split_table(clean_table(DEFAULT_TABLE)[0], DEFAULTS.val_fraction, DEFAULTS.seed)[1]
# Everything the app writes (downloads) goes under one temporary directory.
WORK_DIR = Path(tempfile.mkdtemp(prefix="rnn-names-"))
# One thread per training: two sessions training at once on a 2-core Space then share the CPU
# fairly instead of oversubscribing it (measured ~20x slower with torch's default threads).
torch.set_num_threads(1)
TRAININGS_AT_ONCE = 2

ARCH_CHOICES = [
    ("Manual nn.RNNCell loop — you step through the letters yourself", "manual"),
    ("Stacked nn.RNN — layers on layers, fed a packed batch", "stacked"),
    ("Bidirectional nn.RNN — reads the name both ways", "bidirectional"),
]
SERIES = {"train loss (smoothed)": "#2563eb", "validation loss": "#dc2626", "validation accuracy": "#16a34a"}
# One NaN point per series at epoch 0: the plot fixes its colours and number types from its first value.
PLOT_SEEDS = pd.DataFrame({"epoch": 0.0, "value": float("nan"), "series": list(SERIES)})
# Before training, the same at epoch 1 gives the empty plot a readable axis (a single x value makes a
# 0-wide domain). Not during training: a NaN at epoch 1 would cut a gap into the line there.
EMPTY_PLOT = pd.concat([PLOT_SEEDS, PLOT_SEEDS.assign(epoch=1.0)], ignore_index=True)
NO_RUNS = pd.DataFrame({"epoch": [0.0, 1.0], "value": float("nan"), "run": "(no runs yet)"})
NO_RUNS_TABLE = pd.DataFrame(columns=["run", *teach.RUN_COLUMNS])


class Session:
    """One browser session's model and training state (kept in gr.State, never shared)."""

    def __init__(self):
        self.model = None  # None: the shipped default model answers
        self.trained_at = ""
        self.stop = threading.Event()
        self.runs: list[dict] = []  # compare view
        self.curves: list[pd.DataFrame] = []
        self.val_table = None  # the validation names of the session's model, for "where it fails"
        self._folder = None  # this session's downloads, under WORK_DIR

    def __deepcopy__(self, memo):  # gradio copies a state's first value; an Event cannot be copied
        fresh = Session()
        fresh.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items() if k != "stop"})
        return fresh

    @property
    def answering(self):
        return self.model if self.model is not None else DEFAULT_MODEL

    @property
    def folder(self) -> Path:
        """A temporary folder of this session's own; file names in it are ours, never a visitor's."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(dir=WORK_DIR))
        return self._folder


def _free_session(session: Session) -> None:
    session.stop.set()  # a tab closed mid-training: stop at the next batch
    session.model = None
    if session._folder is not None:
        shutil.rmtree(session._folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Data tab


def table_summary(table: pd.DataFrame):
    """Markdown summary, names-per-label bars and problems of the table as it is now."""
    try:
        clean, report = clean_table(table)
    except DataError as err:
        problems = "\n".join(f"- {p}" for p in err.problems[:12])
        more = f"\n- … and {len(err.problems) - 12} more" if len(err.problems) > 12 else ""
        return (f"**{len(table)} rows.** Training needs these fixed first:", f"{problems}{more}",
                pd.DataFrame({"label": [], "names": []}))
    notes = []
    if report.duplicates_dropped:
        notes.append(f"- {report.duplicates_dropped} exact duplicates will be skipped")
    if report.ambiguous_names:
        notes.append(f"- {report.ambiguous_names} names appear under two or more labels (kept: real ambiguity)")
    if report.merged_labels:
        notes.append("- labels merged: " + ", ".join(f"'{a}' → '{b}'" for a, b in report.merged_labels.items()))
    bars = pd.DataFrame({"label": list(report.counts), "names": list(report.counts.values())})
    summary = f"**{report.rows_in} rows, {len(report.counts)} labels.** Ready to train."
    return summary, "\n".join(notes) or "No problems found.", bars


def load_upload(file, table: pd.DataFrame):
    """Replace the table with an uploaded .csv/.txt/.zip; a bad file keeps the current table."""
    if file is None:
        return gr.update()
    try:
        new = read_table(file)
        columns = {str(c).strip().lower(): c for c in new.columns}
        if "name" not in columns or "label" not in columns:
            clean_table(new)  # raises the missing-column message
        new = new[[columns["name"], columns["label"]]].astype(str)
        new.columns = ["name", "label"]
    except DataError as err:
        gr.Warning(f"Upload not used: {err}. Your table is unchanged.")
        return gr.update()
    gr.Info(f"Loaded {len(new)} rows from {Path(file).name}.")
    return new


def download_table(table: pd.DataFrame, session: Session) -> str:
    """Keep the download button's file equal to the table, so one click downloads what you see."""
    path = session.folder / "names.csv"
    table.to_csv(path, index=False)
    return str(path)


def add_row(table: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([table, pd.DataFrame({"name": [""], "label": [""]})], ignore_index=True)


def delete_rows(table: pd.DataFrame, which: str) -> pd.DataFrame:
    """Delete rows given as '3' or '3-7' or '3, 5' (1-based, as shown in the table)."""
    keep = set(range(len(table)))
    try:
        for part in str(which).replace(" ", "").split(","):
            if not part:
                continue
            first, _, last = part.partition("-")
            keep -= set(range(int(first) - 1, int(last or first)))
    except ValueError:
        raise gr.Error(f"Row numbers like 3 or 3-7 or 3,5 please, not {which!r}") from None
    return table.iloc[sorted(keep)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Training


def _config(arch, cell, hidden, layers, epochs, learning_rate, batch_size, seed) -> TrainConfig:
    try:
        return TrainConfig(
            arch=arch, cell=cell, hidden_size=int(hidden), num_layers=int(layers), epochs=int(epochs),
            learning_rate=float(learning_rate), batch_size=int(batch_size), seed=int(seed),
            max_seconds=limits.MAX_TRAIN_SECONDS,
        )
    except (TypeError, ValueError) as err:
        raise gr.Error(f"Settings: {err}") from None


def _plot_frame(points: list[tuple[float, float, str]]) -> pd.DataFrame:
    if not points:
        return EMPTY_PLOT
    return pd.concat([PLOT_SEEDS, pd.DataFrame(points, columns=["epoch", "value", "series"])], ignore_index=True)


def _controls(interactive: bool):
    """Updates for the 8 settings and Train (usable when not training) and Stop (the opposite)."""
    return [gr.update(interactive=interactive)] * 9 + [gr.update(interactive=not interactive)]


def run_training(session: Session, table: pd.DataFrame, arch: str, cell: str, hidden: float, layers: float,
                 epochs: float, learning_rate: float, batch_size: float, seed: float):
    """Train on the session's table, streaming (plot, status, model info, controls...)."""
    config = _config(arch, cell, hidden, layers, epochs, learning_rate, batch_size, seed)
    try:
        clean, report = clean_table(table)
    except DataError as err:
        raise gr.Error(f"The table cannot be trained on: {err}") from None
    session.stop.clear()
    points: list[tuple[float, float, str]] = []
    smoothed, last_yield, accuracy = None, 0.0, ""
    status = f"Starting: {report.rows} names, {len(report.counts)} labels…"
    yield _plot_frame(points), status, gr.update(), *_controls(False)
    try:
        for event in train(clean, config, stop=session.stop.is_set):
            if isinstance(event, BatchEvent):
                total = event.steps_per_epoch * event.epochs
                smoothed = event.loss if smoothed is None else 0.9 * smoothed + 0.1 * event.loss
                if event.step % max(1, total // 300) == 0:  # at most ~300 plotted points
                    points.append((event.step / event.steps_per_epoch, smoothed, "train loss (smoothed)"))
                speed = event.step * config.batch_size / event.elapsed  # names/s, last batch may be short
                left = event.elapsed / event.step * (total - event.step)
                status = (f"Epoch {event.epoch} of {event.epochs} · loss {smoothed:.3f}{accuracy} · "
                          f"{speed:,.0f} names/s · about {left:.0f} s left")
            elif isinstance(event, EpochEvent):
                points += [(float(event.epoch), event.val_loss, "validation loss"),
                           (float(event.epoch), event.val_accuracy, "validation accuracy")]
                accuracy = f" · validation accuracy {event.val_accuracy:.1%}"
                last_yield = 0.0  # always show a finished epoch
            elif isinstance(event, DoneEvent):
                done = event
                break
            now = time.perf_counter()
            if now - last_yield >= 0.25:  # redraw ~4×/s: live, without choking the browser
                last_yield = now
                yield _plot_frame(points), status, gr.update(), *_controls(False)
    except TrainingError as err:
        gr.Warning(str(err))
        yield (_plot_frame(points), f"Training failed: {err}. The previous model still answers.",
               gr.update(), *_controls(True))
        return
    session.model = done.model
    session.trained_at = time.strftime("%H:%M:%S")
    session.val_table = split_table(clean, config.val_fraction, config.seed)[1]  # train()'s own split
    session.runs.append(teach.run_summary(config, done))
    curve = _plot_frame(points).assign(run=f"#{len(session.runs)} {arch}/{cell}")
    session.curves.append(curve)
    how = {"finished": "Finished", "stopped": "Stopped", "time limit": "Stopped at the time limit"}[done.reason]
    status = (f"{how} after {done.epochs_run} epochs in {done.seconds:.1f} s · best epoch {done.best_epoch} · "
              f"validation accuracy {done.val_accuracy:.1%} (macro {done.val_macro_accuracy:.1%}) · "
              f"labels: {', '.join(done.model.labels)}")
    yield _plot_frame(points), status, model_info(session), *_controls(True)


def request_stop(session: Session) -> None:
    """Ask this session's training to stop after its current batch; training reports the result
    (no output here, so a late reply can never overwrite the final status)."""
    session.stop.set()


# ---------------------------------------------------------------------------------------------
# Classify


def model_info(session: Session) -> str:
    model = session.answering
    c = model.config
    who = f"**your model** (trained {session.trained_at})" if session.model is not None else "the **shipped default model**"
    accuracy = model.metrics.get("val_accuracy")
    score = f", validation accuracy {accuracy:.1%}" if isinstance(accuracy, float) else ""
    return (f"Answering: {who} — {c.arch} {c.cell.upper()}, hidden {c.hidden_size}, {c.num_layers} layer(s), "
            f"{len(c.labels)} labels, {count_parameters(model):,} parameters{score}.")


def _label_value(top: list[tuple[str, float]]) -> dict:
    return {label: p for label, p in top}


def classify(name: str, session: Session) -> dict:
    """API /classify: one name in, {label: confidence} for the top 5 out."""
    try:
        names = parse_names(name)
        return _label_value(predict(session.answering, names[:1], k=5)[0])
    except DataError as err:
        raise gr.Error(str(err)) from None


def classify_live(text: str, session: Session):
    """As you type: the first name in the Label, several lines as a table; no pop-ups."""
    try:
        names = parse_names(text)
        results = predict(session.answering, names, k=5)
    except DataError as err:
        message = "Type a name" if not str(text or "").strip() else str(err)
        return gr.update(value=None, label=message), gr.update(visible=False)
    many = pd.DataFrame([
        {"name": name, **{f"#{i + 1}": f"{label} {p:.0%}" for i, (label, p) in enumerate(top[:3])}}
        for name, top in zip(names, results)
    ])
    return gr.update(value=_label_value(results[0]), label=f"Top 5 for {names[0]!r}"), \
        gr.update(value=many, visible=len(names) > 1)


# ---------------------------------------------------------------------------------------------
# Model tab: metrics, where it fails, checkpoints


def _table_html(frame: pd.DataFrame, title: str, cell, legend) -> str:
    """A DataFrame as an HTML heat map: cell(value, top) gives each <td>'s attributes and text,
    legend(top) the colour scale's caption; top is the largest |value|."""
    values = frame.to_numpy(dtype=float)
    top = max(float(abs(values).max()), 1e-9) if values.size else 1.0
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = [f"<tr><th>{html.escape(str(index))}</th>{''.join('<td %s>%s</td>' % cell(v, top) for v in row)}</tr>"
            for index, row in zip(frame.index, values)]
    return (f"<div class='heatmap'><h4>{html.escape(title)}</h4><table><tr><th></th>{head}</tr>"
            f"{''.join(rows)}</table><div class='legend'>{legend(top)}</div></div>")


def _heatmap_html(frame: pd.DataFrame, title: str, fmt: str = "{:.0f}", legend: str = "") -> str:
    """Counts or probabilities: the cell's blue grows with its value."""
    def cell(v, top):
        return (f"style='background: rgba(37, 99, 235, {v / top:.2f}); color: {'#fff' if v / top > 0.5 else '#111'}'",
                fmt.format(v))
    return _table_html(frame, title, cell,
                       lambda top: f"0 <span class='ramp'></span> {fmt.format(top)} {html.escape(legend)}")


def model_report(session: Session, table: pd.DataFrame):
    """Validation accuracy, per-language bars, confusion heat map and confident mistakes.

    Scored on the model's own validation names (never trained on); an uploaded model, whose split we
    do not know, is scored on the current table.
    """
    model = session.answering
    scored_on = "its validation names"
    try:
        names = session.val_table if session.model is not None else DEFAULT_VAL_TABLE
        if names is None:
            names, _ = clean_table(table)
            names = names[names["label"].isin(model.labels)]
            scored_on = "the current table (an uploaded model's split is unknown)"
            if names.empty:
                raise DataError("none of the table's labels are known to this model")
        result = evaluate(model, names)
    except DataError as err:
        raise gr.Error(f"Cannot evaluate: {err}") from None
    headline = (f"{model_info(session)}\n\nOn {scored_on} ({result.n} names): accuracy **{result.accuracy:.1%}**, "
                f"macro accuracy **{result.macro_accuracy:.1%}** (the mean of the per-language accuracies).")
    bars = pd.DataFrame({"label": list(result.per_label), "accuracy": list(result.per_label.values())})
    mistakes = result.mistakes.head(15).assign(confidence=lambda f: f["confidence"].map("{:.0%}".format))
    return headline, bars, _heatmap_html(result.confusion, "Confusion matrix (rows: true, columns: predicted)",
                                         legend="names"), mistakes


def download_model(session: Session) -> str:
    """The answering model as a file for the download button (the shipped file until you train)."""
    if session.model is None:
        return str(DEFAULT_CHECKPOINT)
    return str(save_checkpoint(session.model, session.folder / "rnn-names-model.safetensors"))


def upload_model(file, session: Session) -> str:
    if file is None:
        return model_info(session)
    try:
        session.model = load_checkpoint(file)
        session.trained_at = f"uploaded {time.strftime('%H:%M:%S')}"
        session.val_table = None
    except CheckpointError as err:
        gr.Warning(f"Checkpoint not loaded: {err}. The current model stays.")
    return model_info(session)


# ---------------------------------------------------------------------------------------------
# Teaching views (all numbers come from rnn_demo.teach)


def _diverging_html(frame: pd.DataFrame, title: str, legend: str) -> str:
    """Hidden states: blue positive, red negative, white zero; the value shows on hover."""
    def cell(v, top):
        colour = "37, 99, 235" if v >= 0 else "220, 38, 38"
        return f"title='{v:+.2f}' style='background: rgba({colour}, {abs(v) / top:.2f}); min-width: 14px'", ""
    return _table_html(frame, title, cell, lambda top: f"{-top:+.2f} <span class='ramp diverging'></span> "
                                                      f"{top:+.2f} {html.escape(legend)}")


def letters_view(name: str, session: Session):
    """Letter by letter: prediction after each prefix, and the hidden state at each step."""
    try:
        view = teach.letter_by_letter(session.answering, name or "Nakamura", k=5)
    except DataError as err:
        raise gr.Error(str(err)) from None
    probabilities = _heatmap_html(view.probabilities, "Prediction as each letter arrives (rows: what the "
                                  "model has read so far)", "{:.0%}", "probability")
    hidden = _diverging_html(view.hidden, "Hidden state after each letter (top layer)", "activation")
    return probabilities, hidden, view.note


def packing_views(text: str):
    """Padding and packing laid out for a few names typed or picked from the table."""
    names = [n.strip() for n in str(text or "").replace("\n", ",").split(",") if n.strip()][:8]
    try:
        view = teach.packing_view(names)
    except DataError as err:
        raise gr.Error(str(err)) from None
    B, T, V = view.one_hot_shape
    facts = (
        f"**pad_sequence** → one-hot tensor of shape **({B}, {T}, {V})**: {B} names × {T} steps × {V} symbols; "
        f"`{teach.PAD}` cells are all-zero padding.\n\n"
        f"- lengths: `{view.lengths}`\n"
        f"- **pack_padded_sequence(enforce_sorted=False)** runs the names in this order (longest first): "
        f"`{view.sorted_order}` → {', '.join(view.names[i] for i in view.sorted_order)}\n"
        f"- `batch_sizes` (names still running at each step): `{view.batch_sizes}`\n"
        f"- each name's answer is read at step (lengths − 1): `{view.read_step}`"
    )
    grid = view.grid.reset_index().rename(columns={"index": "name"})
    return facts, grid, view.packed_table.reset_index().rename(columns={"index": "step"})


def mistakes_view(name: str, others: str, no_packing: bool, backward_at_end: bool, find_bug: bool,
                  session: Session) -> str:
    """The three classic mistakes, each behind a switch, shown in numbers on the same weights."""
    model = session.answering
    others_list = [o.strip() for o in str(others or "").split(",") if o.strip()]
    parts = []
    try:
        effect = teach.padding_effect(model, name, others_list or ["Schwarzenegger"])
        line = (f"**Packing.** '{effect['name']}' → {effect['label']}: **{effect['alone']:.1%}** alone, "
                f"**{effect['in_batch_packed']:.1%}** in a packed batch ({effect['padding_steps']} padding steps).")
        if no_packing:
            line += (f" Without packing, in the same batch: **{effect['in_batch_unpacked']:.1%}** — the padding "
                     f"steps changed its state.")
        parts.append(line + f"\n\n> {effect['why']}")
        if model.config.arch == "bidirectional":
            back = teach.backward_reading_effect(model, name)
            line = f"**Bidirectional read.** h_n (forward after the last letter, backward after the first): {back['label']} **{back['right']:.1%}**."
            if backward_at_end:
                line += (f" Reading the backward half at lengths−1 instead: {back['label']} **{back['wrong']:.1%}** "
                         f"(top label then: {back['label_wrong']}).")
            parts.append(line + f"\n\n> {back['why']}")
        else:
            parts.append("**Bidirectional read.** Train or load a *bidirectional* model to try this switch.")
        unknown = teach.unknown_character_effect(model, name)
        line = (f"**Unknown characters.** Our encoding: `{unknown['encoded_ours']}` → {unknown['label_ours']} "
                f"**{unknown['probability_ours']:.1%}**.")
        if find_bug:
            line += (f" With `str.find` (−1 → last column): `{unknown['encoded_buggy']}` → {unknown['label_buggy']} "
                     f"**{unknown['probability_buggy']:.1%}**. {unknown['note']}")
        parts.append(line + f"\n\n> {unknown['why']}")
    except DataError as err:
        raise gr.Error(str(err)) from None
    return "\n\n".join(parts)


def compare_view(session: Session):
    """Every run of this session: the table and the overlaid validation-accuracy curves."""
    runs = pd.DataFrame(session.runs)
    if runs.empty:
        return NO_RUNS_TABLE, NO_RUNS
    runs.insert(0, "run", [f"#{i + 1}" for i in range(len(runs))])
    curves = pd.concat(session.curves, ignore_index=True)
    curves = curves[curves["series"] == "validation accuracy"][["epoch", "value", "run"]]
    return runs.round(4), curves


def shared_settings(request: gr.Request):
    """Settings from the page URL (?arch=bidirectional&cell=lstm&hidden=64...), so a room shares one link."""
    query = dict(request.query_params) if request else {}
    updates = []
    for key, kind, default in URL_KEYS:
        value = query.get(key)
        try:
            value = kind(value) if value is not None else default
        except ValueError:
            value = default
        updates.append(value)
    if updates[0] not in ARCHITECTURES:
        updates[0] = DEFAULTS.arch
    if updates[1] not in CELLS:
        updates[1] = DEFAULTS.cell
    return updates


URL_KEYS = [("arch", str, DEFAULTS.arch), ("cell", str, DEFAULTS.cell), ("hidden", int, DEFAULTS.hidden_size),
            ("layers", int, DEFAULTS.num_layers), ("epochs", int, DEFAULTS.epochs),
            ("lr", float, DEFAULTS.learning_rate), ("batch", int, DEFAULTS.batch_size), ("seed", int, DEFAULTS.seed)]
# Runs in the browser: write the settings into the address bar without reloading.
URL_JS = """(...values) => {
  const keys = %s;
  const url = new URL(window.location);
  keys.forEach((k, i) => url.searchParams.set(k, values[i]));
  window.history.replaceState(null, "", url);
}""" % [k for k, _, _ in URL_KEYS]

QUESTIONS = """
### Check yourself
1. **What is the difference between `nn.RNNCell` and `nn.RNN`?** A cell does one step; `nn.RNN` runs the whole
   sequence (and stacks layers) for you. → Pick *Manual* vs *Stacked* and read **The code you are running**:
   the same weights give the same answer (`test_manual_cell_loop_matches_nn_rnn`).
2. **Why pad?** A batch is one tensor, so shorter names get all-zero steps up to the longest. → **Padding &
   packing**: the grid's `·` cells and the shape `(B, T, V)`.
3. **Why pack?** So each name stops at its own last letter and padding never reaches its state. → **What goes
   wrong**: switch off packing and the same name's score changes in a batch of longer names.
4. **Why bidirectional?** The backward direction sees the name's end first, and the start last — useful for
   suffixes like *-ski* and prefixes like *Mac*. → **Letter by letter** with a bidirectional model, and the
   *backward half at lengths−1* switch in **What goes wrong**.
5. **What does `collate` do?** It turns a list of `(T_i, V)` names into `padded (B, T, V)`, `lengths (B,)` and
   `labels (B,)`, the batch the DataLoader hands to the model. → **Padding & packing**, the facts above the grid.
"""


# ---------------------------------------------------------------------------------------------
# Layout

CSS = """
.gradio-container { font-size: 17px; }
#status { font-size: 1.05em; }
.heatmap { overflow-x: auto; }
.heatmap table { border-collapse: collapse; font-size: 14px; }
.heatmap th, .heatmap td { border: 1px solid #ddd; padding: 3px 6px; text-align: center; }
.heatmap .legend { margin-top: 6px; }
.heatmap .ramp.diverging { background: linear-gradient(to right, rgba(220,38,38,1), rgba(255,255,255,1),
  rgba(37,99,235,1)); }
.heatmap .ramp { display: inline-block; width: 140px; height: 12px; vertical-align: middle;
  background: linear-gradient(to right, rgba(37,99,235,0), rgba(37,99,235,1)); border: 1px solid #999; }
"""

with gr.Blocks(title="RNN names: which language is this surname?") as demo:
    session = gr.State(Session, time_to_live=3600, delete_callback=_free_session)
    gr.Markdown("# Which language does a surname come from?\n"
                "A character-level RNN reads a name letter by letter. Pick an architecture, edit the names, "
                "**train and watch the loss**, then type a name.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row():
                arch = gr.Radio(ARCH_CHOICES, value=DEFAULTS.arch, label="Architecture", elem_id="arch", scale=3)
                cell = gr.Radio([(c.upper(), c) for c in CELLS], value=DEFAULTS.cell, label="Cell", elem_id="cell",
                                info="RNN: plain tanh · GRU/LSTM: gated, remember longer", scale=1)
            with gr.Row():
                hidden = gr.Slider(4, limits.MAX_HIDDEN_SIZE, value=DEFAULTS.hidden_size, step=4, label="Hidden size",
                                   elem_id="hidden")
                layers = gr.Slider(1, limits.MAX_LAYERS, value=DEFAULTS.num_layers, step=1, label="Layers")
                epochs = gr.Slider(1, 100, value=DEFAULTS.epochs, step=1, label="Epochs")
            with gr.Row():
                learning_rate = gr.Number(DEFAULTS.learning_rate, label="Learning rate (Adam)", minimum=1e-5,
                                          maximum=limits.MAX_LEARNING_RATE)
                batch_size = gr.Slider(8, 512, value=DEFAULTS.batch_size, step=8, label="Batch size")
                seed = gr.Number(DEFAULTS.seed, label="Seed", precision=0, minimum=0)
            with gr.Row():
                train_btn = gr.Button("▶ Train", variant="primary", elem_id="train-btn")
                stop_btn = gr.Button("■ Stop", variant="stop", elem_id="stop-btn", interactive=False)
            status = gr.Markdown("Press **Train** to train on the table below.", elem_id="status")
            loss_plot = gr.LinePlot(EMPTY_PLOT, x="epoch", y="value", color="series", color_map=SERIES,
                                    title="Loss and accuracy while training", x_title="epoch", y_title="",
                                    elem_id="loss-plot", height=320)
        with gr.Column(scale=2):
            gr.Markdown("### Classify")
            name_input = gr.Textbox(label="Surname (several: one per line)", placeholder="e.g. Nakamura",
                                    elem_id="name-input", lines=1, max_lines=8)
            prediction = gr.Label(num_top_classes=5, label="Type a name", elem_id="prediction")
            many_table = gr.Dataframe(visible=False, label="All names", interactive=False, elem_id="many-names")
            answering = gr.Markdown(elem_id="answering")
            with gr.Accordion("The code you are running (rnn_demo/models.py)", open=True):
                code = gr.Code(teach.model_source(DEFAULTS.arch), language="python", elem_id="model-code",
                               interactive=False, max_lines=24, wrap_lines=True)

    with gr.Tabs():
        with gr.Tab("Data", id="data"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    table = gr.Dataframe(DEFAULT_TABLE, headers=["name", "label"], datatype=["str", "str"],
                                         interactive=True, label="Names table (edit any cell)",
                                         elem_id="names-table", max_height=420, show_row_numbers=True)
                    with gr.Row():
                        add_btn = gr.Button("+ Add row", size="sm")
                        delete_which = gr.Textbox(placeholder="rows, e.g. 3 or 3-7", show_label=False,
                                                  container=False, scale=2)
                        delete_btn = gr.Button("− Delete rows", size="sm")
                        reset_btn = gr.Button("↺ Reset to default", size="sm")
                    with gr.Row():
                        upload = gr.File(label="Upload .csv (name,label), .txt (one name per line) or .zip of "
                                         "<Label>.txt", file_types=[".csv", ".txt", ".zip"], height=130,
                                         elem_id="upload")
                        download_btn = gr.DownloadButton("⬇ Download table as CSV", elem_id="download-table")
                with gr.Column(scale=2):
                    summary = gr.Markdown(elem_id="table-summary")
                    problems = gr.Markdown(elem_id="table-problems")
                    bars = gr.BarPlot(x="label", y="names", title="Names per label", x_label_angle=-45, y_lim=[0, None],
                                      height=300, elem_id="label-bars")
        with gr.Tab("Model & where it fails", id="model"):
            evaluate_btn = gr.Button("Refresh", size="sm")
            headline = gr.Markdown()
            with gr.Row(equal_height=False):
                per_label = gr.BarPlot(x="label", y="accuracy", title="Accuracy per language", y_lim=[0, 1],
                                       x_label_angle=-45, height=300)
                confusion = gr.HTML(elem_id="confusion-heatmap")
            mistakes = gr.Dataframe(label="Most confidently wrong names", interactive=False)
            with gr.Row():
                model_download = gr.DownloadButton("⬇ Download model checkpoint")
                model_upload = gr.File(label="Upload a checkpoint (.safetensors)", file_types=[".safetensors"],
                                       height=90, elem_id="model-upload")
        with gr.Tab("Letter by letter", id="letters", render_children=True):
            with gr.Row():
                letters_name = gr.Textbox("Nakamura", label="Name", elem_id="letters-name", scale=3)
                letters_btn = gr.Button("Show", scale=1)
            letters_note = gr.Markdown(elem_id="letters-note")
            letters_probs = gr.HTML(elem_id="letters-probs")
            letters_hidden = gr.HTML(elem_id="letters-hidden")
        with gr.Tab("Padding & packing", id="packing", render_children=True):
            with gr.Row():
                packing_names = gr.Textbox("Li, Nakamura, Schwarzenegger, O'Neill", label="A few names (commas)",
                                           elem_id="packing-names", scale=3)
                packing_btn = gr.Button("Show", scale=1)
            packing_facts = gr.Markdown(elem_id="packing-facts")
            packing_grid = gr.Dataframe(label="After pad_sequence (· = padding)", interactive=False,
                                        elem_id="packing-grid")
            packed_table = gr.Dataframe(label="Inside the PackedSequence: who runs at each step",
                                        interactive=False, elem_id="packed-table")
        with gr.Tab("What goes wrong", id="mistakes", render_children=True):
            gr.Markdown("Each switch reproduces a classic mistake **on the same weights and names**.")
            with gr.Row():
                mistake_name = gr.Textbox("Li", label="Name", elem_id="mistake-name")
                mistake_others = gr.Textbox("Schwarzenegger, Papadopoulos", label="Batched with (longer names)")
            with gr.Row():
                no_packing = gr.Checkbox(False, label="Don't pack: run the RNN over the padding", elem_id="no-packing")
                backward_at_end = gr.Checkbox(False, label="Bidirectional: read the backward half at lengths−1")
                find_bug = gr.Checkbox(False, label="Encode with str.find (−1 for unknown characters)")
            mistakes_out = gr.Markdown(elem_id="mistakes-out")
        with gr.Tab("Compare", id="compare", render_children=True):
            gr.Markdown("Every training of this session, same table and seed unless you changed them. "
                        "Train again with another architecture or cell to add a row.")
            compare_table = gr.Dataframe(NO_RUNS_TABLE, interactive=False, elem_id="compare-table")
            compare_plot = gr.LinePlot(NO_RUNS,
                                       x="epoch", y="value", color="run", title="Validation accuracy per run",
                                       elem_id="compare-plot", height=300)
        with gr.Tab("Check yourself", id="questions", render_children=True):
            gr.Markdown(QUESTIONS)

    # -- wiring -----------------------------------------------------------------------------------
    settings = [arch, cell, hidden, layers, epochs, learning_rate, batch_size, seed]
    train_event = train_btn.click(
        run_training, [session, table, *settings], [loss_plot, status, answering, *settings, train_btn, stop_btn],
        api_name="train", concurrency_limit=TRAININGS_AT_ONCE, concurrency_id="train",
        show_progress="minimal",
    )
    # Its own unlimited queue slot: a Stop never waits behind the training it stops.
    stop_btn.click(request_stop, session, None, api_name="stop", concurrency_limit=None)

    arch.change(teach.model_source, arch, code, api_visibility="private")
    for event in (table.change, demo.load):
        event(table_summary, table, [summary, problems, bars], api_visibility="private")
        event(download_table, [table, session], download_btn, api_visibility="private")
    upload.upload(load_upload, [upload, table], table, api_visibility="private")
    add_btn.click(add_row, table, table, api_visibility="private")
    delete_btn.click(delete_rows, [table, delete_which], table, api_visibility="private")
    reset_btn.click(lambda: DEFAULT_TABLE.copy(), None, table, api_visibility="private")

    name_input.change(classify_live, [name_input, session], [prediction, many_table],
                      api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    name_input.submit(classify, [name_input, session], prediction, api_name="classify")
    demo.load(model_info, session, answering, api_visibility="private")

    report_outputs = [headline, per_label, confusion, mistakes]
    evaluate_btn.click(model_report, [session, table], report_outputs, api_name="evaluate")
    demo.load(model_report, [session, table], report_outputs, api_visibility="private")
    demo.load(download_model, session, model_download, api_visibility="private")
    model_upload.upload(upload_model, [model_upload, session], answering, api_visibility="private")

    # Teaching views: shown on load, refreshed on demand and after every training.
    letters_inputs, letters_outputs = [letters_name, session], [letters_probs, letters_hidden, letters_note]
    packing_outputs = [packing_facts, packing_grid, packed_table]
    mistakes_inputs = [mistake_name, mistake_others, no_packing, backward_at_end, find_bug, session]
    letters_btn.click(letters_view, letters_inputs, letters_outputs, api_name="letters")
    letters_name.submit(letters_view, letters_inputs, letters_outputs, api_visibility="private")
    for trigger in (packing_btn.click, packing_names.submit):
        trigger(packing_views, packing_names, packing_outputs, api_visibility="private")
    for trigger in (mistake_name.submit, mistake_others.submit, no_packing.change, backward_at_end.change,
                    find_bug.change):
        trigger(mistakes_view, mistakes_inputs, mistakes_out, api_visibility="private")
    demo.load(letters_view, letters_inputs, letters_outputs, api_visibility="private")
    demo.load(packing_views, packing_names, packing_outputs, api_visibility="private")
    demo.load(mistakes_view, mistakes_inputs, mistakes_out, api_visibility="private")
    after_training = train_event.then(compare_view, session, [compare_table, compare_plot], api_visibility="private")
    after_training.then(model_report, [session, table], report_outputs, api_visibility="private")
    after_training.then(download_model, session, model_download, api_visibility="private")
    after_training.then(letters_view, letters_inputs, letters_outputs, api_visibility="private") \
        .then(mistakes_view, mistakes_inputs, mistakes_out, api_visibility="private")
    model_upload.upload(mistakes_view, mistakes_inputs, mistakes_out, api_visibility="private") \
        .then(model_report, [session, table], report_outputs, api_visibility="private") \
        .then(download_model, session, model_download, api_visibility="private")

    # Share a setup: the URL carries the settings, and opening it restores them.
    demo.load(shared_settings, None, settings, api_visibility="private")
    for component in settings:
        component.change(None, settings, None, js=URL_JS)

demo.queue(default_concurrency_limit=8)

if __name__ == "__main__":
    demo.launch(css=CSS, max_file_size=limits.MAX_UPLOAD_BYTES * 4, allowed_paths=[str(WORK_DIR), str(DEFAULT_CHECKPOINT)])
