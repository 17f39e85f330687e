"""Make the student edition of the notebooks: solutions removed, stubs and checks kept.

    python -m aecourse.tools.student notebooks/*.ipynb --out student [--execute]

In the book's notebooks each exercise is a markdown cell marked ``**Exercise.**``, a
code cell with a stub and its ``aecourse`` check, then the solution from a cell that
starts ``**Solution** (of [the exercise above](#ex-...))`` to one that starts
``**End of solution.**`` (portable Markdown: ``aecourse/tools/portable_markdown.py``;
the site shows them as sphinx-exercise blocks). The student edition drops everything
from the start of a solution to its end, markers included, and clears every output. With ``--execute`` each
student notebook is run, and every exercise's check must report a failure with a
message (a stub passing its check, or a notebook that cannot run without its
solutions, is an error).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

# The notebooks' markers of an exercise and of the start and end of its solution, in
# portable Markdown (the site turns them into sphinx-exercise directives).
from aecourse.tools.portable_markdown import EXERCISE, SOLUTION_END, SOLUTION_START

FAIL, PASS = "❌", "✅"


@dataclass
class Exercise:
    """Where one exercise sits in a notebook: its stub cell and its solution cells."""

    stub: int  # index of the first code cell after the {exercise} directive
    solution: list[int]  # indices of the code cells between solution-start and -end


def _events(nb):
    """("exercise" | "start" | "end" | "code", cell index) in reading order."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            yield "code", i
        elif cell.cell_type == "markdown":
            marks = [(m.start(), "exercise") for m in EXERCISE.finditer(cell.source)]
            marks += [(m.start(), "start") for m in SOLUTION_START.finditer(cell.source)]
            marks += [(m.start(), "end") for m in SOLUTION_END.finditer(cell.source)]
            for _, kind in sorted(marks):
                yield kind, i


def find_exercises(nb) -> list[Exercise]:
    """Locate each exercise's stub cell and solution cells; raise on a malformed layout."""
    exercises, stub, inside, seen_exercise = [], None, None, False
    for kind, i in _events(nb):
        if kind == "exercise":
            if inside is not None:
                raise ValueError(f"cell {i}: an exercise inside a solution")
            seen_exercise, stub = True, None
        elif kind == "start":
            if not seen_exercise or stub is None or inside is not None:
                raise ValueError(f"cell {i}: solution-start without an exercise and its stub")
            inside = []
        elif kind == "end":
            if inside is None:
                raise ValueError(f"cell {i}: solution-end without a solution-start")
            if not inside:
                raise ValueError(f"cell {i}: a solution without code")
            exercises.append(Exercise(stub, inside))
            stub, inside, seen_exercise = None, None, False
        elif inside is not None:
            inside.append(i)
        elif seen_exercise and stub is None:
            stub = i
    if inside is not None:
        raise ValueError("a solution-start is never closed")
    return exercises


def _strip_solutions(text: str, skipping: bool) -> tuple[str, bool]:
    """The parts of a markdown cell outside solution blocks, and whether one stays open."""
    kept = []
    while text:
        if skipping:
            end = SOLUTION_END.search(text)
            if end is None:
                return "".join(kept), True
            text, skipping = text[end.end() :], False
        else:
            start = SOLUTION_START.search(text)
            if start is None:
                kept.append(text)
                break
            kept.append(text[: start.start()])
            text, skipping = text[start.end() :], True
    return "".join(kept), skipping


def student_edition(nb):
    """A copy of ``nb`` without solution blocks and without outputs."""
    nb = nbformat.from_dict(nb)
    cells, skipping = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source, skipping = _strip_solutions(cell.source, skipping)
            if cell.source.strip():
                cells.append(cell)
        elif not skipping:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def output_text(cell) -> str:
    """All text a code cell printed or displayed."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def verify_stubs_fail(nb) -> list[str]:
    """Problems in an executed student notebook: stubs whose check did not fail clearly."""
    problems, stubs, waiting = [], [], False
    for kind, i in _events(nb):  # the first code cell after each exercise is its stub
        if kind == "exercise":
            waiting = True
        elif kind == "code" and waiting:
            stubs.append(i)
            waiting = False
    if not stubs:
        problems.append("no exercise stubs found")
    for i in stubs:
        text = output_text(nb.cells[i])
        if FAIL not in text or PASS in text:
            problems.append(f"cell {i}: the stub's check did not fail: {text.strip()[:200]!r}")
        elif len(text.split(FAIL, 1)[1].strip()) < 20:
            problems.append(f"cell {i}: the failure message is too short to help: {text!r}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"))
    parser.add_argument("--execute", action="store_true", help="run each and verify its stubs")
    parser.add_argument(
        "--jobs", type=int, default=2, help="notebooks run at once with --execute (one thread each)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    targets = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        n_exercises = len(find_exercises(nb))
        target = args.out / path.name
        nbformat.write(student_edition(nb), target)
        print(f"{target}: {n_exercises} exercises, solutions removed")
        targets.append(target)
    if not args.execute:
        return 0
    from concurrent.futures import ThreadPoolExecutor

    from aecourse.tools.execute import execute

    def run(target: Path) -> list[str]:  # each notebook runs in its own kernel process
        execute(target, timeout=600)
        return verify_stubs_fail(nbformat.read(target, as_version=4))

    failures = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for target, problems in zip(targets, pool.map(run, targets)):  # in input order
            print(f"{target}: {'stubs fail as they should' if not problems else 'PROBLEMS'}")
            for problem in problems:
                print(f"  {problem}")
            failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
