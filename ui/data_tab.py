"""The Data tab: the names table to edit, upload or download, and what is wrong with it.

The whole table lives in the session (Session.table); the page holds one page of it (PAGE_ROWS rows),
so a 20,000-row upload never travels to the browser and back with every event: training, the report
and the honest-numbers lessons read the session's table, and an edit sends only its page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pandas as pd

from rnn_demo import limits
from rnn_demo.data import DataError, clean_table
from rnn_demo.files import read_upload, within_limits

from .errors import refused
from .session import DEFAULT_TABLE, WORK_DIR, Session

MAX_PROBLEMS_SHOWN = 12
PAGE_ROWS = 2000  # the default table (1,798 rows) fits on one page; the classic set is ten
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


def page_start(start, rows: int) -> int:
    """The first row (0-based) of the page that holds 1-based row `start`, within the table."""
    try:
        row = int(float(start or 1)) - 1
    except (TypeError, ValueError):
        row = 0
    return max(0, min(row, max(rows - 1, 0))) // PAGE_ROWS * PAGE_ROWS


def shown(session: Session, start=1) -> tuple:
    """Everything the tab shows of the session's table: the page at `start`, the pager, where the
    page sits, the summary, problems, bars and download (one reply, so they always agree)."""
    table = session.names
    first = page_start(start, len(table))
    page = table.iloc[first:first + PAGE_ROWS]
    pager = gr.update(maximum=max(len(table), 2),  # a slider needs minimum < maximum
                    value=first + 1, visible=len(table) > PAGE_ROWS)
    where = (f"Rows {first + 1:,}–{first + len(page):,} of {len(table):,} (the whole table trains; pick other "
             f"rows with the slider)" if len(table) > PAGE_ROWS else "")
    return (page, pager, where, *table_changed(table, session))


def limited(table: pd.DataFrame) -> pd.DataFrame:
    """The table cut to the limits (rows, labels, name and label lengths), what was cut told in a toast."""
    table, cut = within_limits(table)
    if cut:
        gr.Warning(f"The table was cut to the limits: {cut}.")
    return table


def edit_page(page: pd.DataFrame, start, session: Session) -> tuple:
    """A visitor's edit of the rows shown: written back into the session's table at their place (within
    the limits: a page sent with more rows or longer names than the page can make is cut)."""
    table = session.names
    first = page_start(start, len(table))
    session.table = limited(pd.concat([table.iloc[:first], page, table.iloc[first + PAGE_ROWS:]], ignore_index=True))
    return table_changed(session.table, session)


def replace_table(session: Session, table: pd.DataFrame | None, start=1) -> tuple:
    """The session's table is now `table` (None: the default table), within the limits; what the tab shows."""
    session.table = None if table is None else limited(table)
    return shown(session, start)


UPLOAD_MODES = ("add its rows", "replace the table")


def load_upload(file: str | None, table: pd.DataFrame, mode: str = UPLOAD_MODES[0]):
    """The table after an uploaded .csv/.txt/.zip is added to it or replaces it (said in a toast, never
    silently); a bad file keeps the current table."""
    if file is None:
        return gr.update()
    try:
        new = read_upload(file)
    except DataError as err:
        gr.Warning(f"Upload not used: {err}. Your table is unchanged.")
        return gr.update()
    cut = f" Cut: {new.attrs['cut']}." if new.attrs.get("cut") else ""  # reading stopped at a limit
    if mode == UPLOAD_MODES[1]:
        gr.Info(f"Replaced the table's {len(table):,} rows with the {len(new):,} rows of {Path(file).name}.{cut}")
        return new
    gr.Info(f"Added the {len(new):,} rows of {Path(file).name} at the top: the table has {len(table) + len(new):,} "
            f"rows now (pick 'replace the table' to start from the file alone).{cut}")
    return pd.concat([new, table], ignore_index=True)


def pasted_rows(text: str) -> pd.DataFrame:
    """Rows pasted from a spreadsheet or typed: one per line, name and label split by a tab or the
    last comma ('Nakamura\tJapanese', 'Nakamura, Japanese'); a line without a label keeps it blank."""
    rows = []
    for line in str(text or "").splitlines():
        if "\t" in line:  # a spreadsheet's columns: the first two
            name, _, label = line.partition("\t")
            label = label.split("\t")[0]
        else:
            name, _, label = line.rpartition(",") if "," in line else (line, "", "")
        if name.strip():
            rows.append((name.strip(), label.strip()))
    return pd.DataFrame(rows, columns=["name", "label"])


def add_pasted(session: Session, text: str) -> tuple:
    """Pasted rows at the top of the table, where the page shows them; what the tab shows, and the box emptied."""
    new = pasted_rows(text)
    if new.empty:
        gr.Warning("Nothing to add: paste rows into the box first (name and label, split by a tab or a comma).")
        return *(gr.update() for _ in range(7)), gr.update()
    gr.Info(f"Added {len(new)} row{'s' * (len(new) > 1)} at the top of the table.")
    return *replace_table(session, pd.concat([new, session.names], ignore_index=True)), ""


def add_row(table: pd.DataFrame) -> pd.DataFrame:
    """A blank row at the top, where the first page shows it (at the end it sat off screen); a full
    table stays as it is, and says so."""
    if len(table) >= limits.MAX_ROWS:
        gr.Warning(f"The table is full ({limits.MAX_ROWS:,} rows, the limit): delete rows before adding one.")
        return table
    return pd.concat([pd.DataFrame({"name": [""], "label": [""]}), table], ignore_index=True)


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


@dataclass
class DataTab:
    table: gr.Dataframe  # the page of rows shown
    shown: tuple  # (fn, inputs, outputs): show the session's table, e.g. one kept over a reload
    changed: list  # the events that change the session's table


def build(session: gr.State) -> DataTab:
    """The Data tab's contents."""
    with gr.Tab("Data", id="data"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                table = gr.Dataframe(DEFAULT_TABLE, headers=["name", "label"], datatype=["str", "str"],
                                     interactive=True, label="Names table (edit any cell)",
                                     elem_id="names-table", max_height=420, show_row_numbers=True)
                pager = gr.Slider(1, max(len(DEFAULT_TABLE), 2), value=1, step=PAGE_ROWS, label="Rows shown from",
                                  visible=len(DEFAULT_TABLE) > PAGE_ROWS, elem_id="table-pager")
                where = gr.Markdown("", elem_id="table-where")
                with gr.Row():
                    add_btn = gr.Button("+ Add row", size="sm")
                    delete_which = gr.Textbox(placeholder="rows, e.g. 3 or 3-7", show_label=False,
                                              container=False, scale=2)
                    delete_btn = gr.Button("− Delete rows", size="sm")
                    reset_btn = gr.Button("↺ Reset to default", size="sm")
                with gr.Row():
                    paste = gr.Textbox(label="Paste rows (from a spreadsheet: name and label, split by a tab or "
                                       "a comma; one per line), or press Ctrl+V on a cell of the table",
                                       lines=2, max_lines=8, scale=3,
                                       placeholder="Nakamura\tJapanese\nDvořák, Czech", elem_id="paste-rows")
                    paste_btn = gr.Button("+ Add pasted rows", size="sm", scale=1, elem_id="paste-add")
                with gr.Row():
                    upload_mode = gr.Radio(list(UPLOAD_MODES), value=UPLOAD_MODES[0], label="An upload…",
                                           elem_id="upload-mode")
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

    everything = [table, pager, where, summary, problems, bars, download_btn]
    private = dict(api_visibility="private")
    # Only a visitor's edit sends the rows shown; the server's own updates of the page send nothing back.
    changed = [table.input(edit_page, [table, pager, session], [summary, problems, bars, download_btn], **private)]
    pager.release(shown, [session, pager], everything, **private)
    changed.append(upload.upload(upload_table, [upload, session, upload_mode], everything, **private))
    changed.append(add_btn.click(lambda s: replace_table(s, add_row(s.names)), session, everything, **private))
    changed.append(paste_btn.click(add_pasted, [session, paste], [*everything, paste], **private))
    changed.append(delete_btn.click(lambda s, which: replace_table(s, delete_rows(s.names, which)),
                                    [session, delete_which], everything, **private))
    changed.append(reset_btn.click(lambda s: replace_table(s, None), session, everything, **private))
    return DataTab(table, (shown, session, everything), changed)


def upload_table(file: str | None, session: Session, mode: str = UPLOAD_MODES[0]) -> tuple:
    """An uploaded table is added to the session's or replaces it; a bad file keeps it (load_upload warns)."""
    new = load_upload(file, session.names, mode)
    if isinstance(new, pd.DataFrame):
        return replace_table(session, new)
    return tuple(gr.update() for _ in range(7))
