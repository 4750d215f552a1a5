"""Shared fixtures: tiny tables that train in a second, and the classic set when ../shared is there."""

from pathlib import Path

import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names"
torch.set_num_threads(1)  # tests are many small models: one thread each is fastest on 2 cores


@pytest.fixture
def separable_table() -> pd.DataFrame:
    """Two labels a model can tell apart by their letters alone."""
    rows = [(f"{a}{b}ski", "Polish") for a in "kmnpr" for b in "aeiou"] + \
           [(f"{a}{b}moto", "Japanese") for a in "kstnh" for b in "aeiou"]
    return pd.DataFrame(rows, columns=["name", "label"])


@pytest.fixture
def default_table() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "names.csv")


@pytest.fixture
def classic_names() -> Path:
    if not SHARED_NAMES.is_dir():
        pytest.skip(f"needs the classic names set at {SHARED_NAMES} (../shared is absent)")
    return SHARED_NAMES


@pytest.fixture(scope="session")
def app_server():
    """One real `python app.py` for the whole test session."""
    from app_server import AppServer
    server = AppServer()
    yield server
    server.stop()


def two_label_table(a: str, b: str) -> dict:
    """A small table as gradio_client sends a Dataframe: two labels that are easy to tell apart."""
    rows = [[f"{x}{y}ski", a] for x in "kmnpr" for y in "aeiou"] + [[f"{x}{y}moto", b] for x in "kstnh" for y in "aeiou"]
    return {"headers": ["name", "label"], "data": rows}


# Test tiers (markers registered in pyproject.toml). The fast tier, `-m "not browser and not slow"`,
# keeps the tests of the package and of each handler called directly; these files launch the app,
# run the CLI or a notebook in subprocesses, or train on the classic set.
SLOW_FILES = {"test_app_api", "test_concurrency", "test_logs", "test_serving", "test_notebook", "test_workshop",
              "test_bench", "test_quality", "test_worker", "test_worker_faults", "test_cli", "test_remember_first"}


def pytest_collection_modifyitems(items):
    for item in items:
        stem = item.path.stem
        if stem.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)
        if stem in SLOW_FILES or {"app_server", "classic_names"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
