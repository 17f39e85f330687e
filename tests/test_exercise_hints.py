"""The exercise standard: kinds, how many per chapter, and hints that teach without telling.

Every exercise in a notebook is marked with its kind (``**Exercise (derive).**``) and is
checked by an :class:`~aecourse.exercises._core.Exercise`: a check with the same kind and
staged hints. No hint may contain its solution's formula or code: each hint is compared
with the code of the solution cells (and of the reference function the check uses).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import yaml

import aecourse.exercises
from aecourse.exercises._core import KINDS, Exercise
from aecourse.tools.portable_markdown import EXERCISE
from aecourse.tools.student import find_exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def all_checks() -> dict[str, object]:
    """Every public ``check_*`` of every exercise module, by name."""
    checks = {}
    for info in pkgutil.iter_modules(aecourse.exercises.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"aecourse.exercises.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("check_") and getattr(value, "__module__", "") == module.__name__:
                assert name not in checks, f"two exercise modules define {name}"
                checks[name] = value
    return checks


CHECKS = all_checks()


def chapters() -> dict[str, list[str]]:
    """Chapter title (first file in _toc.yml's numbered parts) -> its notebook stems."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = {}
    for part in toc["parts"]:
        if not part.get("numbered"):
            continue
        for chapter in part["chapters"]:
            entries = [chapter, *chapter.get("sections", [])]
            stems = [Path(e["file"]).name for e in entries if e["file"].startswith("notebooks/")]
            found[chapter["file"]] = stems
    return found


def notebook_exercises(path: Path) -> list[dict]:
    """label, kind (from the Markdown), the check it calls, its solution code, per exercise."""
    nb = nbformat.read(path, as_version=4)
    markers = [
        m
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for m in EXERCISE.finditer(cell.source)
    ]
    found = []
    for marker, ex in zip(markers, find_exercises(nb), strict=True):
        stub = nb.cells[ex.stub].source
        called = [name for name in re.findall(r"\b(check_\w+)\(", stub) if name in CHECKS]
        solution = "\n".join(nb.cells[i].source for i in ex.solution)
        found.append(
            {
                "label": marker["label"],
                "kind": marker["kind"],
                "checks": called,
                "solution": solution,
            }
        )
    return found


EXERCISES = {path.stem: notebook_exercises(path) for path in NOTEBOOKS}

# --- the detector --------------------------------------------------------------------------

OPERATORS = set("+-*/@()[]=^<>")
MIN_SHARED = 7  # characters of code (spaces, underscores and module prefixes removed)


def _normalize(text: str) -> str:
    """Code or prose reduced to what a formula is made of: lower case, no spaces, no
    underscores, no ``torch.``/``np.``/``math.``/``F.`` prefixes, ASCII operators."""
    text = text.replace("·", "*").replace("×", "*").replace("−", "-").replace("²", "**2")
    text = re.sub(r"\b(?:torch|np|numpy|math|F|dist)\.", "", text)
    return re.sub(r"[\s_]", "", text).lower()


def _solution_lines(code: str) -> list[str]:
    """The lines of a solution that compute something (a check call is not the answer)."""
    lines = []
    for line in code.splitlines():
        if re.match(r"\s*(?:check_\w+\(|from |import |def |@)", line):
            continue
        if any(ch in OPERATORS for ch in line):
            lines.append(line)
    return lines


def _longest_shared(a: str, b: str) -> str:
    """The longest common substring of ``a`` and ``b``."""
    best, end = 0, 0
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best, end = current[j], i
        previous = current
    return a[end - best : end]


def gives_away(hint: str, solution_code: str) -> str | None:
    """The piece of the solution's code that ``hint`` spells out, or ``None``.

    A piece counts when it has at least ``MIN_SHARED`` characters once spaces, underscores
    and module prefixes are removed, and at least two operators or brackets: that is a
    formula, not a shared word such as "logsumexp" or "the mean over the samples".
    """
    hint_n = _normalize(hint)
    for line in _solution_lines(solution_code):
        shared = _longest_shared(hint_n, _normalize(line))
        if len(shared) >= MIN_SHARED and sum(ch in OPERATORS for ch in shared) >= 2:
            return shared
    return None


# Hints this book printed before the exercise standard, with the solutions they gave away.
OLD_GIVEAWAYS = [
    (
        "one value per unit: rho*log(rho/rho_hat) + (1-rho)*log((1-rho)/(1-rho_hat))",
        "return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))",
    ),
    (
        "the ESS is exp(2·logsumexp(log w) − logsumexp(2·log w))",
        "return torch.exp(2 * torch.logsumexp(log_w, 0) - torch.logsumexp(2 * log_w, 0))",
    ),
    (
        "std = torch.exp(0.5 * logvar) is the standard deviation; z = mu + std * eps",
        "    std = torch.exp(0.5 * logvar)\n    return mu + std * eps",
    ),
    (
        "each row is z_n = mu + L eps_n; with eps of shape (N, D) that is mu + eps @ L.T",
        "    return mu + eps @ scale_tril.T",
    ),
    (
        "KL = 1/2 sum_k (mu_k^2 + exp(logvar_k) - 1 - logvar_k)",
        "    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)",
    ),
]

FINE_HINTS = [
    (
        "A KL between two distributions over {0, 1} is a sum over the two outcomes.",
        "return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))",
    ),
    (
        "Work in log space: torch.logsumexp keeps the sum of weights from overflowing.",
        "return torch.exp(2 * torch.logsumexp(log_w, 0) - torch.logsumexp(2 * log_w, 0))",
    ),
    (
        "Which distribution is the noise drawn from, and what does (z - mu) measure?",
        "    return ((z - mu) / std**2 * f[:, None]).mean(0)",
    ),
]


@pytest.mark.parametrize("hint, solution", OLD_GIVEAWAYS)
def test_the_detector_catches_hints_that_give_the_answer(hint, solution):
    assert gives_away(hint, solution)


@pytest.mark.parametrize("hint, solution", FINE_HINTS)
def test_the_detector_lets_ideas_through(hint, solution):
    assert gives_away(hint, solution) is None


# --- the standard ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_is_an_exercise_with_staged_hints(name):
    check = CHECKS[name]
    assert isinstance(check, Exercise), f"{name}: decorate it with @exercise(kind, hints)"
    assert check.kind in KINDS
    assert len(check.hints) >= 2, f"{name}: stage the hints (the idea first, then more specific)"


def _reference_code(check: Exercise) -> str:
    """The source of every ``reference_*`` function the check's own code names."""
    module = inspect.getmodule(check.check)
    source = inspect.getsource(check.check)
    names = set(re.findall(r"\b(reference_\w+)\b", source))
    return "\n".join(
        inspect.getsource(getattr(module, n)) for n in sorted(names) if hasattr(module, n)
    )


@pytest.mark.parametrize("stem", sorted(EXERCISES))
def test_exercises_are_marked_and_checked(stem):
    for ex in EXERCISES[stem]:
        assert ex["kind"], (
            f"{stem} {ex['label']}: write **Exercise (kind).** with a kind of {KINDS}"
        )
        assert ex["checks"], f"{stem} {ex['label']}: the stub cell calls no aecourse check"
        kinds = {CHECKS[name].kind for name in ex["checks"]}
        assert ex["kind"] in kinds, f"{stem} {ex['label']}: marked {ex['kind']}, checks are {kinds}"


@pytest.mark.parametrize("stem", sorted(EXERCISES))
def test_no_hint_gives_away_its_solution(stem):
    for ex in EXERCISES[stem]:
        for name in ex["checks"]:
            check = CHECKS[name]
            solution = ex["solution"] + "\n" + _reference_code(check)
            for level, hint in enumerate(check.hints, start=1):
                shared = gives_away(hint, solution)
                assert shared is None, f"{name} hint {level} spells out the solution: {shared!r}"


@pytest.mark.parametrize("chapter", sorted(chapters()))
def test_each_chapter_has_four_exercises_of_three_kinds(chapter):
    kinds = Counter(ex["kind"] for stem in chapters()[chapter] for ex in EXERCISES.get(stem, []))
    assert sum(kinds.values()) >= 4, f"{chapter}: {dict(kinds)}"
    assert len(kinds) >= 3, f"{chapter}: only the kinds {dict(kinds)}"
    assert kinds["implement"] <= 1, f"{chapter}: implement at most once per chapter"
    assert max(kinds.values()) <= 2, f"{chapter}: vary the kinds, {dict(kinds)}"


def test_exercise_labels_are_unique():
    labels = [ex["label"] for exs in EXERCISES.values() for ex in exs]
    assert len(labels) == len(set(labels))
