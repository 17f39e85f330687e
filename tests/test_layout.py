"""The package layout: one module per concept, each listed in the module map, none
mixing models, losses, figures and widgets, and the maintenance tools left out of
the wheel."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import aecourse

PACKAGE = Path(aecourse.__file__).parent


def modules() -> set[str]:
    found = {f"aecourse.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return found | {"aecourse.exercises"}


def test_module_map_lists_every_module_once():
    doc = aecourse.__doc__
    listed = re.findall(r"aecourse\.(?:_)?\w+", doc)
    listed = {name.rstrip(".") for name in listed}
    missing = modules() - listed
    assert not missing, f"modules not in aecourse/__init__.py's map: {sorted(missing)}"
    stale = {m for m in listed if m != "aecourse.tools"} - modules()
    assert not stale, f"the map lists modules that do not exist: {sorted(stale)}"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_module_mixes_figures_widgets_and_maths(path):
    imports = imports_of(path)
    if path.stem != "widgets":
        assert "ipywidgets" not in imports, f"{path.name} imports ipywidgets: move it to widgets"
    if path.stem not in ("plotting", "widgets"):
        assert not any(m.startswith("matplotlib") for m in imports), (
            f"{path.name} imports matplotlib: figures belong in plotting"
        )


def test_no_private_name_is_imported_across_modules():
    for path in list(PACKAGE.glob("*.py")) + list(PACKAGE.glob("exercises/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aecourse"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports private {private} from {node.module}"


def test_the_wheel_ships_the_package_without_the_tools(tmp_path):
    source = tmp_path / "source"  # a copy, so that the build leaves the checkout alone
    shutil.copytree(PACKAGE, source / "aecourse", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PACKAGE.parent / name, source / name)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(result.stdout + result.stderr)
    (wheel,) = (tmp_path / "dist").glob("aecourse-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in names if n.startswith("aecourse/tools/")]
    shipped = {n[: -len(".py")].replace("/", ".") for n in names if n.endswith(".py")}
    assert {m for m in modules() if m != "aecourse.exercises"} <= shipped
