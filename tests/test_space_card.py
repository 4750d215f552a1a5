"""The Hugging Face Space card (README.md's front matter) builds the app as it is pinned here: a Space
reads its Python and Gradio versions from the card alone, then installs requirements.txt."""

from __future__ import annotations

import importlib.metadata as metadata
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import serving

from conftest import ROOT


def card() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must open with the Space card between --- lines"
    return {key.strip(): value.strip().strip('"') for key, value in
            (line.split(":", 1) for line in match.group(1).splitlines() if ":" in line)}


def pins() -> dict[str, Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    requirements = [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]
    return {requirement.name: requirement for requirement in requirements}


def test_the_card_names_the_pinned_gradio_and_a_python_the_project_runs_on():
    fields, pinned = card(), pins()
    assert fields["sdk"] == "gradio"
    assert fields["sdk_version"] == str(pinned["gradio"].specifier).removeprefix("==")
    # Without python_version a Space runs Python 3.10 ("Defaults to 3.10"), where pandas 3 and tomllib fail.
    python = Version(fields["python_version"])
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python in SpecifierSet(requires), f"card python_version {python} outside requires-python {requires}"
    assert (ROOT / fields["app_file"]).is_file() and (ROOT / fields["thumbnail"]).is_file()


@pytest.mark.parametrize("name", sorted(pins()))
def test_every_pin_installs_on_the_cards_python(name):
    """Each pinned package's own Requires-Python admits the card's Python (read from the installed
    package's metadata: the same version as the pin, or the test says so)."""
    requirement = pins()[name]
    installed = metadata.distribution(name)
    assert installed.version in requirement.specifier, f"{name} {installed.version} is not the pin {requirement}"
    requires = installed.metadata.get("Requires-Python")
    if requires:
        assert Version(card()["python_version"]) in SpecifierSet(requires), f"{name} needs Python {requires}"


def test_the_launch_states_client_side_rendering(monkeypatch):
    """A Space turns server-side rendering on unless the launch says otherwise; the page is tested here
    as the browser renders it, so the launch says ssr_mode=False."""
    seen = {}

    class Page:
        def launch(self, **options):
            seen.update(options)

    monkeypatch.setattr(serving.asgi, "remove_on_exit", lambda folder: None)
    monkeypatch.setattr(serving.gc, "freeze", lambda: None)
    serving.launch(Page(), ROOT)
    assert seen["ssr_mode"] is False


def test_the_instructors_duplicate_steps_match_the_card():
    steps = (ROOT / "workshop" / "INSTRUCTORS.md").read_text(encoding="utf-8")
    assert f"Python {card()['python_version']}" in steps
    assert "requirements.txt" in steps
