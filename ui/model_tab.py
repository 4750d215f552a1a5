"""The Model tab: how good the answering model is, where it fails, and its checkpoint file."""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from rnn_demo.baselines import BASELINE_HELP, recorded_split
from rnn_demo.checkpoints import DEFAULT_CHECKPOINT, CheckpointError, load_checkpoint, save_checkpoint
from rnn_demo.data import DataError, clean_table
from rnn_demo.evaluate import METRIC_HELP
from rnn_demo.report import model_report

from . import export_panel, in_worker
from .api_table import api_door, as_table
from .errors import refused
from .heatmap import heatmap_html
from .session import Session, model_info

MISTAKES_SHOWN = 15


@dataclass
class ModelTab:
    tab: gr.Tab
    report: tuple  # (fn, inputs, outputs): the report, for what changes the model
    baselines: tuple  # (fn, inputs, outputs): the model beside the baselines
    download: tuple  # (fn, inputs, outputs): the checkpoint file
    uploaded: gr.events.Dependency  # a checkpoint was uploaded (and answers, if it was one)


def report_view(session: Session, table: pd.DataFrame | dict | None = None):
    """API /evaluate: headline, per-language bars, confusion heat map and confident mistakes."""
    model = session.answering
    try:
        report = model_report(model, session.answering_val_table, as_table(table))
    except DataError as err:
        raise refused(f"Cannot evaluate: {err}") from None
    result = report.evaluation
    headline = (f"{model_info(session)}\n\nOn {report.scored_on} ({result.n} names): accuracy "
                f"**{result.accuracy:.1%}**, macro accuracy **{result.macro_accuracy:.1%}** (the mean of the "
                f"per-language accuracies).")
    bars = pd.DataFrame({"label": list(result.per_label), "accuracy": list(result.per_label.values())})
    mistakes = result.mistakes.head(MISTAKES_SHOWN).assign(confidence=lambda f: f["confidence"].map("{:.0%}".format))
    confusion = heatmap_html(result.confusion, "Confusion matrix (rows: true, columns: predicted)", legend="names",
                             kind="square")
    return headline, bars, confusion, mistakes


def baselines_view(session: Session, table: pd.DataFrame | dict | None = None) -> pd.DataFrame:
    """The model beside a majority-class and a character n-gram baseline trained on the same training
    names, every metric on the same validation names (computed once per model)."""
    train, val = session.answering_train_table, session.answering_val_table
    try:
        if train is None or val is None:  # an uploaded model: split the table as its training did
            train, val, _ = recorded_split(session.answering, clean_table(as_table(table))[0])
        frame = session.memo("baselines", lambda model: in_worker.call("baselines", model, train, val,
                                                                     rows=len(train) + len(val)))
    except (DataError, ValueError) as err:
        raise refused(f"Cannot compare: {err}") from None
    return frame.round(3)


HELP = "\n".join([f"- **{name}**: {text}" for name, text in {**BASELINE_HELP, **METRIC_HELP}.items()])


def download_model(session: Session) -> str:
    """The answering model as a file for the download button (the shipped file until you train)."""
    if session.model is None:
        return str(DEFAULT_CHECKPOINT)
    return str(save_checkpoint(session.model, session.folder / "rnn-names-model.safetensors"))


def upload_model(file: str | None, session: Session) -> str:
    """Answer with an uploaded checkpoint; anything else keeps the current model, with a message."""
    if file is None:
        return model_info(session)
    try:
        session.use_model(load_checkpoint(file), f"uploaded {time.strftime('%H:%M:%S')}", None)
    except CheckpointError as err:
        gr.Warning(f"Checkpoint not loaded: {err}. The current model stays.")
    return model_info(session)


def build(session: gr.State, table: gr.Dataframe, answering: gr.Markdown) -> ModelTab:
    """The tab (computed when first opened); the report and download for others to refresh."""
    with gr.Tab("Model & where it fails", id="model") as tab:
        evaluate_btn = gr.Button("Refresh", size="sm")
        headline = gr.Markdown(elem_id="model-tab-headline")
        # Labels written upwards: 18 of them side by side stay apart even at a phone's width.
        per_label = gr.BarPlot(x="label", y="accuracy", title="Accuracy per language", y_lim=[0, 1],
                               x_label_angle=-90, height=320, elem_id="per-label-plot")
        confusion = gr.HTML(elem_id="confusion-heatmap")  # the full width: every column in view
        baselines = gr.Dataframe(label="Your model beside two simple baselines (same training and validation "
                                       "names)", interactive=False, elem_id="baselines-table",
                                 headers=["classifier", "accuracy", "macro_accuracy", "macro_f1", "top3_accuracy",
                                          "ambiguity_aware_accuracy", "ambiguous_names", "n"])
        with gr.Accordion("What the rows and columns mean", open=False):
            gr.Markdown(HELP)
        mistakes = gr.Dataframe(label="Most confidently wrong names", interactive=False,
                                headers=["name", "label", "predicted", "confidence"])
        with gr.Row():
            model_download = gr.DownloadButton("⬇ Download model checkpoint", str(DEFAULT_CHECKPOINT))
            model_upload = gr.File(label="Upload a checkpoint (.safetensors)", file_types=[".safetensors"],
                                   elem_id="model-upload")
        export_panel.build(session)
        outputs = [headline, per_label, confusion, mistakes]
        api_door(report_view, [session, table], table, outputs, "evaluate")  # inside the tab: Tabs holds only tabs

    # The page's events read the session's own table (all its rows), never the page's copy of it.
    report = (lambda s: report_view(s, s.names), session, outputs)
    download = (download_model, session, model_download)
    versus = (lambda s: baselines_view(s, s.names), session, baselines)
    evaluate_btn.click(*report, api_visibility="private")
    tab.select(*report, api_visibility="private")
    tab.select(*download, api_visibility="private")
    tab.select(*versus, api_visibility="private")
    uploaded = model_upload.upload(upload_model, [model_upload, session], answering, api_visibility="private")
    return ModelTab(tab, report, versus, download, uploaded)
