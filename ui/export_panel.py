"""Take it home: the answering model's run as a zip of plain code (train.py, predict.py, a notebook,
names.csv, the weights and a README), with what it holds and the two commands that run it."""

from __future__ import annotations

import shutil

import gradio as gr
import pandas as pd

from rnn_demo.export.script import ExportError, export_run
from ui.session import Session

FOLDER = "rnn-names-run"
HOLDS = """**Take it home.** Your run as code you can run yourself, with torch and pandas alone: `train.py`
(Dataset → collate_fn → DataLoader → your architecture → the training loop, with only the options you used),
`train.ipynb` (the same code for Jupyter or Colab), `names.csv` (the table you trained on), `model.safetensors`
(your trained weights), `predict.py` and a README. Unzip it, then:

```bash
python train.py                # your run again: its last line gives the same validation accuracy
python predict.py Nakamura Dvořák "O'Neill"
```"""


def export_zip(session: Session) -> tuple[str | None, str]:
    """(path of a zip of the session's trained run, a line on it); (None, why not) when there is none."""
    if session.model is None or session.train_table is None or session.val_table is None:
        return None, "Train a model first: the export is the code of *your* run."
    table = pd.concat([session.train_table, session.val_table]).sort_index()  # the table it trained on
    folder = session.folder / FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    try:
        export_run(session.model, table, folder)
    except ExportError as err:
        return None, f"This model cannot be exported: {err}."
    archive = shutil.make_archive(str(folder), "zip", root_dir=session.folder, base_dir=FOLDER)
    return archive, (f"Ready: `{FOLDER}.zip` (train.py, predict.py, train.ipynb, names.csv, model.safetensors, "
                     "README.md).")


def build(session: gr.State, where: str = "") -> gr.Button:
    """The export panel: what it holds, a button, the zip to download; returns the button. `where`
    tells its element ids apart when the page holds it twice (the Model tab, the lesson's end)."""
    with gr.Group(elem_id=f"export-panel{where}"):
        gr.Markdown(HOLDS)
        button = gr.Button("Export my run as code", elem_id=f"export-run{where}")
        note = gr.Markdown(elem_id=f"export-note{where}")
        archive = gr.File(label="Your run as code (.zip)", interactive=False, elem_id=f"export-zip{where}")
    button.click(export_zip, session, [archive, note], api_visibility="private")
    return button
