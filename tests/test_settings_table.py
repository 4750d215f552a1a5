"""Each setting is declared once (issue 36): a row added to rnn_demo/settings.py, in a copy of the
project with nothing else edited, shows up in the CLI's help, the page's controls, the share link's
parser, /train's setting names and the checks."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from rnn_demo.config import TrainConfig
from rnn_demo.settings import BY_NAME, SETTINGS
from ui import share_url

ROOT = Path(__file__).resolve().parents[1]
ROW = ('    Setting("warmup", 3, "Steps the learning rate takes to reach its height.", "Warm-up steps", int, 0, 50, '
       'step=1, group="option"),\n')
# Runs in the copy: everything it prints comes from code that never names "warmup".
PROBE = r"""
import json, subprocess, sys
import gradio as gr
from starlette.requests import Request
from rnn_demo.config import TrainConfig
from ui import share_url
from ui.settings import make_config
import app

found = {}
found["help"] = subprocess.run([sys.executable, "-m", "rnn_demo", "train", "--help"], capture_output=True,
                               text=True).stdout
controls = {c.elem_id: c for c in app.demo.blocks.values() if getattr(c, "elem_id", None) == "warmup"}
slider = controls.get("warmup")
found["control"] = slider and [type(slider).__name__, slider.label, slider.minimum, slider.maximum, slider.value]
request = Request({"type": "http", "query_string": b"warmup=80", "headers": []})
values, notes = share_url.read_link({"warmup": slider}, request)
found["link"] = [values, notes]
found["default"] = TrainConfig().warmup
found["api"] = make_config(warmup=7).warmup
try:
    make_config(warmup=99)
except gr.Error as err:
    found["refused"] = err.message
try:
    TrainConfig(warmup=-1)
except ValueError as err:
    found["check"] = str(err)
open(sys.argv[1], "w").write(json.dumps(found))
"""


def test_a_setting_added_to_the_table_reaches_every_door(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", "artifacts", ".*cache"))
    table = copy / "rnn_demo" / "settings.py"
    text = table.read_text()
    end = text.index("\n)\nBY_FIELD")  # the table's closing parenthesis
    table.write_text(text[:end + 1] + ROW + text[end + 1:])
    # The page's training pool starts a worker, which would hold a pipe open: output to files, and the
    # whole process group ended afterwards.
    answer, log = tmp_path / "found.json", tmp_path / "probe.log"
    with log.open("w") as out:
        run = subprocess.Popen([sys.executable, "-c", PROBE, str(answer)], cwd=copy, stdout=out, stderr=out,
                               env={**os.environ, "RNN_NAMES_TRAININGS": "1"}, start_new_session=True)
        try:
            assert run.wait(timeout=300) == 0, log.read_text()[-3000:]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
    found = json.loads(answer.read_text())
    assert "--warmup WARMUP" in found["help"] and "Steps the learning rate takes" in found["help"]
    assert found["control"] == ["Slider", "Warm-up steps", 0, 50, 3]
    assert found["link"] == [[50], ["warmup 80 is above 50: set to 50"]]
    assert found["default"] == 3 and found["api"] == 7
    assert found["refused"] == "Settings: warmup must be between 0 and 50, not 99"
    assert found["check"] == "warmup must be between 0 and 50, not -1"


def test_every_slider_offers_what_the_checks_take():
    """A slider's range is its setting's range: both ends train, a step beyond either is refused."""
    sliders = [s for s in SETTINGS if s.step is not None]
    assert len(sliders) >= 10
    for setting in sliders:
        for end in (setting.low, setting.high):
            TrainConfig(**{setting.field: setting.kind(end)})  # raises if the checks refuse it
        assert setting.problem(setting.kind(setting.high + setting.step)), setting.field
        assert setting.problem(setting.kind(setting.low - setting.step)), setting.field


def test_every_page_setting_has_a_link_key_and_a_sentence():
    page = [s for s in SETTINGS if s.group]
    assert list(share_url.URL_KEYS) == [s.page_name for s in page]
    assert len({key for key, _ in share_url.URL_KEYS.values()}) == len(page)  # no two settings share a key
    assert all(s.sentence.endswith(".") and len(s.sentence) > 20 for s in SETTINGS)
    assert BY_NAME["hidden"].field == "hidden_size" and BY_NAME["hidden"].cli_flag == "--hidden"
    json.dumps([s.default for s in SETTINGS])  # every default is plain data (a checkpoint's JSON holds them)
