"""Every workshop script runs on its own, as a learner runs it, and ends by saying which step passed."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPTS = sorted((ROOT / "workshop").glob("[0-9][0-9]_*.py"))


def run_script(script, cwd):
    # No PYTHONPATH: each script must find rnn_demo from its own location.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, str(script.relative_to(cwd))], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_workshop_has_all_fourteen_steps_in_order():
    assert [s.name[:2] for s in SCRIPTS] == [f"{i:02d}" for i in range(1, 15)]


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_workshop_script_runs_and_ends_with_ok(script):
    run = run_script(script, ROOT)
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(f"OK {script.name[:2]}:"), run.stdout


def test_workshop_script_runs_from_inside_the_workshop_folder():
    # Step 8 both imports rnn_demo and reads data/names.csv: both must not depend on the cwd.
    script = ROOT / "workshop" / "08_dataset_collate_loader.py"
    run = run_script(script, script.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("OK 08:")
