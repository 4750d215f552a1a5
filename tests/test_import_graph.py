"""The package's rooms, read from the import graph: the core pipeline (rnn_demo/*.py) imports nothing
from the teaching rooms, and nothing in rnn_demo imports the page or the server."""

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "rnn_demo"
ROOMS = ("rnn_demo.inside", "rnn_demo.lesson", "rnn_demo.export")
# The command line is a front door like app.py: it may offer one room's experiment (or tool) as a subcommand.
FRONT_DOOR = {"rnn_demo.__main__": {"rnn_demo.inside.remember_first_cli", "rnn_demo.inside.intervene_cli",
                                  "rnn_demo.export.script.export_run"}}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved, function-level imports included."""
    package = module_name(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return found


def core_modules() -> list[Path]:
    return sorted(PACKAGE.glob("*.py"))


def test_the_core_imports_nothing_from_the_rooms():
    crossing = {}
    for path in core_modules():
        name = module_name(path)
        allowed = FRONT_DOOR.get(name, set())
        # `from rnn_demo.inside import x` also lists the package "rnn_demo.inside": allowed with x.
        bad = {m for m in imports(path) if m.startswith(ROOMS)
               and not any(ok == m or ok.startswith(m + ".") for ok in allowed)}
        if bad:
            crossing[name] = sorted(bad)
    assert crossing == {}


def test_the_core_stays_small_and_flat():
    names = [p.stem for p in core_modules()]
    assert len(names) <= 16, names
    assert {"data", "models", "train", "evaluate", "predict", "checkpoints"} <= set(names)
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms == {"inside", "lesson", "export"}


def test_nothing_in_the_package_imports_the_page_or_the_server():
    for path in sorted(PACKAGE.rglob("*.py")):
        bad = {m for m in imports(path) if m.split(".")[0] in {"gradio", "ui", "serving", "app"}}
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def test_the_graph_reader_sees_a_crossing(tmp_path, monkeypatch):
    """The check can fail: a core module that imports a room is caught, relative or absolute."""
    fake = tmp_path / "rnn_demo"
    fake.mkdir()
    (fake / "train.py").write_text("from .lesson.honest import leaky_split\n\ndef f():\n    from rnn_demo.inside import cells\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert {"rnn_demo.lesson.honest", "rnn_demo.inside.cells"} <= imports(fake / "train.py")
