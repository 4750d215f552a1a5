"""The training panel: settings, Train and Stop, the status line and the live loss plot.

`run_training` consumes `rnn_demo.train.train()`'s progress events and turns them into plot
frames and a status line; a Stop, a cancel from the API or a closed tab all end in the same place:
the session keeps the best model of the epochs that finished.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from rnn_demo import cost
from rnn_demo.data import DataError, Split
from rnn_demo.inside.hidden_map import MapSnapshot
from rnn_demo.report import run_summary
from rnn_demo.train import BatchEvent, DoneEvent, EpochEvent, TrainConfig, TrainingError, run_to_end, split_for
from serving.line import Busy, Waiting, round_seconds
from serving.worker import TrainingPool, trainings_at_once
from ui import controls as settings_controls
from ui import options_panel

from .api_table import api_door, as_table
from .errors import refused
from .plots import PALETTE
from .room_share import SharedRun
from .session import Session, model_info, previous_line
from .settings import make_config

TRAININGS_AT_ONCE = trainings_at_once()  # one per usable core, one CPU thread each; RNN_NAMES_TRAININGS overrides
# Trainings run in worker processes at a lower priority, so classify stays fast while they run.
POOL = TrainingPool(TRAININGS_AT_ONCE)
# Gradio lets every training the line holds in (and a few more, refused at once when it is full): the
# line (serving/line.py) keeps the order and tells each its wait, honestly, from the jobs ahead.
TRAIN_QUEUE = dict(concurrency_limit=POOL.line.places + 2, concurrency_id="train")
# Glasbey's first three (ui/plots.py): blue and orange stay apart under every common colour-vision
# deficiency; green, the third, differs from both in lightness and is on its own 0-1 scale.
SERIES = dict(zip(["train loss (smoothed)", "validation loss", "validation accuracy"], PALETTE))
# One NaN point per series at epoch 0: the plot fixes its colours and number types from its first value.
PLOT_SEEDS = pd.DataFrame({"epoch": 0.0, "value": float("nan"), "series": list(SERIES)})
# Before training, the same at epoch 1 gives the empty plot a readable axis (a single x value makes a
# 0-wide domain). Not during training: a NaN at epoch 1 would cut a gap into the line there.
EMPTY_PLOT = pd.concat([PLOT_SEEDS, PLOT_SEEDS.assign(epoch=1.0)], ignore_index=True)
REDRAW_SECONDS = 0.25  # ~4 redraws a second: live, without choking the browser
MAX_PLOTTED_POINTS = 300
DONE_WORDS = {"finished": "Finished", "stopped": "Stopped", "time limit": "Stopped at the time limit"}
SHORTEN = "To finish sooner: fewer epochs, a smaller hidden size, 1 layer, or a bigger batch."


@dataclass
class TrainPanel:
    controls: dict[str, gr.components.Component]  # page name -> control: the settings, then the options
    train_btn: gr.Button
    stop_btn: gr.Button
    status: gr.Markdown
    loss_plot: gr.LinePlot
    restore_btn: gr.Button
    restored: object = None  # the ↩ Previous model event (set by `wire`), for what a new model refreshes

    @property
    def arch(self) -> gr.Radio:
        return self.controls["arch"]


def plot_frame(points: list[tuple[float, float, str]]) -> pd.DataFrame:
    """(epoch, value, series) points as the loss plot's long table."""
    if not points:
        return EMPTY_PLOT
    return pd.concat([PLOT_SEEDS, pd.DataFrame(points, columns=["epoch", "value", "series"])], ignore_index=True)


STOP_ON, STOP_OFF = gr.update(interactive=True), gr.update(interactive=False)
NO_CHANGE = (gr.skip(),) * 4  # a heartbeat's outputs: nothing redrawn
STOP_AS_IS = "■ Stop"  # while streaming: the button's own label, a plain value (an update rebuilds it)


def lock_settings(controls: list, locked: bool) -> list:
    """Updates for `controls` (the settings, the options and Train): locked while a training runs. A
    separate, instant event, so the stream itself carries only the plot, the status, the model line and Stop."""
    return [gr.update(interactive=not locked)] * len(controls)


class TrainingProgress:
    """The plotted points, the status line and one hidden-state map per epoch, from a stream of
    training events."""

    def __init__(self, config: TrainConfig, split: tuple[pd.DataFrame, pd.DataFrame]):
        self.config, self.points, self.status = config, [], ""
        self.smoothed: float | None = None
        self.accuracy = ""
        self.epochs_done = 0
        self.train_rows, self.val_rows = split  # the split train() makes: the maps show its validation names
        self.snapshots: list[MapSnapshot] = []

    def add(self, event: BatchEvent | EpochEvent | MapSnapshot) -> bool:
        """Take one event; True when it must be shown at once (a finished epoch). The worker sends
        each epoch's map of the validation names right after the epoch's event."""
        if isinstance(event, MapSnapshot):
            self.snapshots.append(event)
            return False
        if isinstance(event, EpochEvent):
            self.points += [(float(event.epoch), event.val_loss, "validation loss"),
                            (float(event.epoch), event.val_accuracy, "validation accuracy")]
            self.accuracy = f" · validation accuracy {event.val_accuracy:.1%}"
            self.epochs_done = event.epoch
            return True
        total = event.steps_per_epoch * event.epochs
        self.smoothed = event.loss if self.smoothed is None else 0.9 * self.smoothed + 0.1 * event.loss
        if event.step % max(1, total // MAX_PLOTTED_POINTS) == 0:
            self.points.append((event.step / event.steps_per_epoch, self.smoothed, "train loss (smoothed)"))
        speed = event.step * self.config.batch_size / event.elapsed  # names/s, last batch may be short
        left = event.elapsed / event.step * (total - event.step)
        self.status = (f"Epoch {event.epoch} of {event.epochs} · loss {self.smoothed:.3f}{self.accuracy} · "
                       f"{speed:,.0f} names/s · about {left:.0f} s left")
        limit = self.config.max_seconds
        if limit and event.elapsed + left > limit and event.step >= event.steps_per_epoch // 4:
            self.status += (f"  \n⏱ At this pace the run needs about {event.elapsed + left:.0f} s: it will stop at "
                            f"the {limit:g} s limit and keep its best epoch. {SHORTEN}")
        return False


def keep_result(session: Session, config: TrainConfig, done: DoneEvent, progress: TrainingProgress) -> str:
    """Store a finished (or stopped) training in the session; the final status line.

    Stopped before any epoch finished, the half-trained weights are dropped: the previous model answers."""
    how = DONE_WORDS[done.reason]
    shorten = f"  \n{SHORTEN}" if done.reason == "time limit" else ""
    if progress.epochs_done == 0 and done.stopped:
        return f"{how} before the first epoch finished: nothing was kept, the previous model still answers.{shorten}"
    session.use_model(done.model, f"trained at {time.strftime('%H:%M:%S')}", done.val_table, progress.train_rows,
                      progress.snapshots)
    session.runs.append(run_summary(config, done))
    session.curves.append(plot_frame(progress.points).assign(run=f"#{len(session.runs)} {config.arch}/{config.cell}"))
    epochs = f"after {done.epochs_run} epochs"  # a Stop drops the epoch it cut short, unvalidated
    compared = f"  \n{previous_line(session)}" if done.stopped else ""
    return (f"{how} {epochs} in {done.seconds:.1f} s · best epoch {done.best_epoch} · "
            f"validation accuracy {done.val_accuracy:.1%} (macro {done.val_macro_accuracy:.1%}) · "
            f"labels: {', '.join(done.model.labels)}{compared}{shorten}")


def run_training(session: Session, table: pd.DataFrame | dict | None = None, **settings):
    """Train on `table` (None: the default table) with the page's settings by name (make_config),
    streaming (plot, status, model line, Stop)."""
    config = make_config(**settings)
    try:
        split = split_for(as_table(table), config)  # cleaned once, split once: the worker trains on this split
    except DataError as err:
        raise refused(f"The table cannot be trained on: {err}") from None
    # Refused before it starts: the worker would outgrow its share.
    too_big = cost.check(config, pd.concat([split.train_rows, split.val_rows]))
    if too_big:
        raise refused(too_big)
    # One training per session: a second /train while one runs would race it to be the answering model.
    if not session.training.acquire(blocking=False):
        raise refused("This session is already training: wait for it to finish, or press Stop first.")
    cancelled = False
    try:
        yield from _train(session, split, config)
    except GeneratorExit:
        cancelled = True  # _train's thread lets the session go once the worker has ended the run
        raise
    finally:
        if not cancelled:
            session.training.release()


def _train(session: Session, split: Split, config: TrainConfig):
    """run_training's stream once the settings and the table have passed their checks."""
    session.stop.clear()
    report = split.report
    progress = TrainingProgress(config, (split.train_rows, split.val_rows))
    try:  # in the trainer's line at once: a full line refuses now, not after an endless wait
        # A heartbeat between slow batches: Gradio can cancel a generator only when it yields.
        events = POOL.train(split, config, stop=session.stop.is_set, map_names=progress.val_rows["name"].tolist(),
                            heartbeat=REDRAW_SECONDS)
    except Busy as err:
        raise refused(str(err)) from None
    shared = SharedRun(session, config)  # what the session's room sees, if it joined one (ui/room_panel.py)
    answering = model_info(session)  # sent as it is while streaming: an update would rebuild the component
    event = None
    try:
        yield plot_frame([]), f"Starting: {report.rows} names, {len(report.counts)} labels…", answering, STOP_ON
        while (left := POOL.starting()) is not None and not session.stop.is_set():  # the app has just started
            eta = f"about {left:.0f} s more" if left > 1 else "almost ready"
            yield (plot_frame([]), f"The trainer is starting (it loads PyTorch once: {eta}); "
                   "your training begins right after…", answering, STOP_ON)
            time.sleep(0.5)
        last_yield = 0.0
        for event in events:
            if event is None:
                yield NO_CHANGE
                continue
            if isinstance(event, Waiting):
                yield plot_frame([]), waiting_line(event), answering, STOP_ON
                continue
            if isinstance(event, DoneEvent):
                break
            now = time.perf_counter()
            if progress.add(event) or now - last_yield >= REDRAW_SECONDS:
                last_yield = now
                shared.progress(progress)
                yield plot_frame(progress.points), progress.status, answering, STOP_AS_IS
    except TrainingError as err:
        shared.failed(str(err))
        gr.Warning(str(err))
        yield (plot_frame(progress.points), f"Training failed: {err}. The previous model still answers.",
               answering, STOP_OFF)
        return
    except GeneratorExit:  # cancelled through the API or the tab closed: keep what Stop would keep
        session.stop.set()
        # Gradio closes a cancelled generator on its event loop: the run's end is waited for elsewhere.
        threading.Thread(target=_keep_cancelled, args=(session, config, events, progress, shared),
                         daemon=True).start()
        raise
    if not isinstance(event, DoneEvent):  # stopped while it waited in line: nothing ran
        events.close()
        yield plot_frame([]), "Stopped before it started: nothing was trained; the previous model still answers.", \
            answering, STOP_OFF
        return
    status = keep_result(session, config, event, progress)
    shared.done(event, progress)
    yield plot_frame(progress.points), status, model_info(session), STOP_OFF


def waiting_line(waiting: Waiting) -> str:
    """The status while a training waits in the trainer's line."""
    ahead = f"{waiting.ahead} training{'s are' if waiting.ahead != 1 else ' is'} ahead of yours"
    return (f"Waiting for the trainer: {ahead}; yours starts in about {round_seconds(waiting.seconds)} s. "
            "**■ Stop** leaves the line.")


def _keep_cancelled(session: Session, config: TrainConfig, events, progress: TrainingProgress,
                    shared: SharedRun) -> None:
    """A cancelled run's end, off the event loop: the worker ends the run, the session keeps what a Stop
    would keep (and its room sees it), and then the session may train again."""
    try:
        if events is not None:
            done = run_to_end(events)
            keep_result(session, config, done, progress)
            shared.done(done, progress)
    except TrainingError:
        pass  # the worker was replaced; nothing to keep, and nobody is left to tell
    finally:
        session.training.release()


def train_from_api(session: Session, table, settings: dict | None):
    """API /train (table, settings): the settings by page name, e.g. {"epochs": 4, "hidden": 64};
    a missing one keeps its default, None or {} trains with the defaults."""
    if settings is not None and not isinstance(settings, dict):
        raise refused(f"Settings: give a JSON object of settings by name, not {type(settings).__name__}")
    yield from run_training(session, table, **(settings or {}))


def train_in_page(names: list[str]):
    """The page's Train, its controls' values taken by name: run_training, with a refused start (bad
    settings, a table that cannot be trained on) told in the status line alone; raised, it would hang
    red "Error" pills on every output."""
    def press_train(session: Session, *values):  # the session's own table (the Data tab's, all rows)
        try:
            yield from run_training(session, session.names, **dict(zip(names, values)))
        except gr.Error as err:
            yield gr.skip(), f"⚠ {err.message} Nothing was trained; the model that answered still answers.", \
                gr.skip(), STOP_OFF

    return press_train


def restore_previous(session: Session) -> tuple[str, str, dict]:
    """↩ Previous model: the model the last training or upload replaced answers again."""
    session.restore_previous()
    return model_info(session), f"Brought back: {previous_line(session)}", restore_visible(session)


def restore_visible(session: Session) -> dict:
    return gr.update(visible=session.previous is not None)


def request_stop(session: Session) -> None:
    """API /stop: end this session's training after its current batch; training reports the result
    (no output here, so a late reply can never overwrite the final status)."""
    session.stop.set()


def build() -> TrainPanel:
    """Settings, Train/Stop, status and the live plot (wired by `wire` once the table exists)."""
    controls = {**settings_controls.build("main", per_row=3), **options_panel.build()}  # from rnn_demo/settings.py
    with gr.Row():
        train_btn = gr.Button("▶ Train", variant="primary", elem_id="train-btn")
        stop_btn = gr.Button("■ Stop", variant="stop", elem_id="stop-btn", interactive=False)
    status = gr.Markdown("Press **Train** to train on the table below.", elem_id="status")
    restore_btn = gr.Button("↩ Previous model", size="sm", visible=False, elem_id="restore-btn")
    loss_plot = gr.LinePlot(EMPTY_PLOT, x="epoch", y="value", color="series", color_map=SERIES,
                            title="Loss and accuracy while training", x_title="epoch", y_title="",
                            elem_id="loss-plot", height=320)
    return TrainPanel(controls, train_btn, stop_btn, status, loss_plot, restore_btn)


def wire(panel: TrainPanel, session: gr.State, table: gr.Dataframe, answering: gr.Markdown):
    """Train and Stop; returns the training event, for what a finished training refreshes."""
    inputs = [session, *panel.controls.values()]
    outputs = [panel.loss_plot, panel.status, answering, panel.stop_btn]
    settings = [*panel.controls.values(), panel.train_btn]
    queue = TRAIN_QUEUE  # one queue for both doors
    instant = dict(queue=False, api_visibility="private", show_progress="hidden")
    locked = panel.train_btn.click(lambda: lock_settings(settings, True), None, settings, **instant)
    train_event = locked.then(train_in_page(list(panel.controls)), inputs, outputs, api_visibility="private",
                              show_progress="minimal", **queue)
    # One event, not two: each event the page dispatches costs it a snapshot of every view (ui/open_tab.py).
    train_event.then(lambda s: [*lock_settings(settings, False), restore_visible(s)], session,
                     [*settings, panel.restore_btn], **instant)
    train_event.failure(lambda: lock_settings(settings, False), None, settings, **instant)  # .then skips a failed event
    panel.restored = panel.restore_btn.click(restore_previous, session, [answering, panel.status, panel.restore_btn],
                                             api_visibility="private")
    api_settings = gr.JSON(None, visible=False, label="settings")  # {"epochs": 4, ...}: by page name
    api_door(train_from_api, [session, table, api_settings], table, outputs, "train", **queue)
    # Its own unlimited queue slot: a Stop never waits behind the training it stops.
    panel.stop_btn.click(request_stop, session, None, api_name="stop", api_visibility="undocumented",
                         concurrency_limit=None)  # not an MCP tool
    return train_event
