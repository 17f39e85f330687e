"""constraints/lowest.txt pins exactly the lower bounds of pyproject.toml's dependencies.

``make test-lowest`` installs those pins and runs the unit tests on them, so the bounds
that pyproject.toml declares are the versions that were tested. torch is the one
exception: the job runs torch 2.13.0 (the only CPU build this project can install),
which must still satisfy pyproject.toml's bound.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
LOWEST = ROOT / "constraints" / "lowest.txt"
TEST_TOOLS = {"pytest", "pytest-xdist"}  # pinned as in requirements.txt


def pins(path: Path) -> dict[str, Version]:
    """``name==version`` lines of a requirements file (comments and blanks skipped)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        assert match, f"{path.name}: not an exact pin: {line!r}"
        name = canonicalize_name(match.group(1))
        assert name not in found, f"{path.name} pins {name} twice"
        found[name] = Version(match.group(2))
    return found


def dependencies() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}


def lower_bound(requirement: Requirement) -> Version:
    bounds = [s for s in requirement.specifier if s.operator == ">="]
    assert len(bounds) == 1, f"{requirement}: needs exactly one lower bound (>=)"
    return Version(bounds[0].version)


def test_every_dependency_is_pinned_at_its_lower_bound():
    pinned, required = pins(LOWEST), dependencies()
    assert set(pinned) == set(required) | TEST_TOOLS, (
        "constraints/lowest.txt and pyproject.toml list different packages"
    )
    for name, requirement in required.items():
        if name == "torch":
            continue
        assert pinned[name] == lower_bound(requirement), (
            f"{name}: pyproject.toml says {requirement}, constraints/lowest.txt pins "
            f"{pinned[name]}; change both together"
        )


def test_torch_is_the_one_the_makefile_installs_and_within_the_bound():
    torch_pin, requirement = pins(LOWEST)["torch"], dependencies()["torch"]
    assert requirement.specifier.contains(torch_pin), f"torch {torch_pin} is not {requirement}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\n$(LOWEST)/.installed:") :]
    assert f"pip install torch=={torch_pin}\n" in recipe.split("\n\n")[0]


def test_test_tools_are_pinned_as_in_requirements_txt():
    pinned, book = pins(LOWEST), pins(ROOT / "requirements.txt")
    for name in TEST_TOOLS:
        assert pinned[name] == book[name], (
            f"{name}: {pinned[name]} here, {book[name]} in requirements.txt"
        )
