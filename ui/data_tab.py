"""The Data tab: the names table to edit, upload or download, and what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError, clean_table
from rnn_demo.files import read_upload

from .errors import refused
from .session import DEFAULT_TABLE, WORK_DIR, Session

MAX_PROBLEMS_SHOWN = 12
NO_BARS = pd.DataFrame({"label": [], "names": []})


def table_summary(table: pd.DataFrame) -> tuple[str, str, pd.DataFrame]:
    """Markdown summary, problems and the names-per-label bars of the table as it is now."""
    try:
        _, report = clean_table(table)
    except DataError as err:
        problems = "\n".join(f"- {p}" for p in err.problems[:MAX_PROBLEMS_SHOWN])
        more = len(err.problems) - MAX_PROBLEMS_SHOWN
        more = f"\n- … and {more} more" if more > 0 else ""
        return f"**{len(table)} rows.** Training needs these fixed first:", f"{problems}{more}", NO_BARS
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


def write_csv(table: pd.DataFrame, folder: Path) -> str:
    path = folder / "names.csv"
    table.to_csv(path, index=False)
    return str(path)


def table_changed(table: pd.DataFrame, session: Session):
    """The summary and the download file in one reply, so the file is always the table shown."""
    return *table_summary(table), write_csv(table, session.folder)


def load_upload(file: str | None, table: pd.DataFrame):
    """Replace the table with an uploaded .csv/.txt/.zip; a bad file keeps the current table."""
    if file is None:
        return gr.update()
    try:
        new = read_upload(file)
    except DataError as err:
        gr.Warning(f"Upload not used: {err}. Your table is unchanged.")
        return gr.update()
    gr.Info(f"Loaded {len(new)} rows from {Path(file).name}.")
    return new


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
        raise refused(f"Row numbers like 3 or 3-7 or 3,5 please, not {which!r}") from None
    return table.iloc[sorted(keep)].reset_index(drop=True)


# The default table's summary and file, made once for every session: a page load costs nothing here.
DEFAULT_SUMMARY = table_summary(DEFAULT_TABLE)
DEFAULT_CSV = write_csv(DEFAULT_TABLE, Path(WORK_DIR))


def build(session: gr.State) -> gr.Dataframe:
    """The Data tab's contents; returns the table, which training reads."""
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
                    download_btn = gr.DownloadButton("⬇ Download table as CSV", DEFAULT_CSV, elem_id="download-table")
            with gr.Column(scale=2):
                summary = gr.Markdown(DEFAULT_SUMMARY[0], elem_id="table-summary")
                problems = gr.Markdown(DEFAULT_SUMMARY[1], elem_id="table-problems")
                bars = gr.BarPlot(DEFAULT_SUMMARY[2], x="label", y="names", title="Names per label", x_label_angle=-45,
                                  y_lim=[0, None], height=300, elem_id="label-bars")

    table.change(table_changed, [table, session], [summary, problems, bars, download_btn], api_visibility="private")
    upload.upload(load_upload, [upload, table], table, api_visibility="private")
    add_btn.click(add_row, table, table, api_visibility="private")
    delete_btn.click(delete_rows, [table, delete_which], table, api_visibility="private")
    reset_btn.click(lambda: DEFAULT_TABLE.copy(), None, table, api_visibility="private")
    return table
