"""The notebooks' Markdown is portable: no MyST syntax and no site-only macros, so it reads
cleanly in JupyterLab, Colab and GitHub; the site's extension turns its conventions
into MyST (numbered equations, citations, exercises, dropdown solutions, notes)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from pybtex.database import parse_file

from aecourse.tools.portable_markdown import (
    EQUATION_REF,
    check_portable,
    equation_numbers,
    to_myst,
)
from aecourse.tools.student import student_edition

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import sphinx_site  # noqa: E402


def markdown_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def book_numbers() -> dict[str, str]:
    numbers = {}
    for path in NOTEBOOKS:
        for source in markdown_cells(path):
            numbers.update(equation_numbers(source))
    return numbers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_markdown_is_portable(path):
    numbers = book_numbers()
    problems = [
        f"cell {i}: {problem}"
        for i, source in enumerate(markdown_cells(path))
        for problem in check_portable(source, numbers)
    ]
    assert not problems, problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_is_portable_too(path):
    numbers = book_numbers()
    student = student_edition(nbformat.read(path, as_version=4))
    for cell in student.cells:
        if cell.cell_type == "markdown":
            assert not check_portable(cell.source, numbers)
            assert "**Solution**" not in cell.source and "End of solution" not in cell.source


def chapter_of_each_notebook() -> dict[str, int]:
    """notebook stem -> the chapter number the site gives it (_toc.yml's numbered parts;
    a chapter's sections share its number)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters, number = {}, 0
    for part in toc["parts"]:
        if not part.get("numbered"):
            continue
        for chapter in part["chapters"]:
            number += 1
            for entry in [chapter, *chapter.get("sections", [])]:
                chapters[Path(entry["file"]).name] = number
    return chapters


def test_equations_are_numbered_as_the_site_numbers_them():
    """Per chapter, (c.1), (c.2), ... in reading order, across the chapter's sections."""
    chapters = chapter_of_each_notebook()
    counts: dict[int, int] = {}
    for path in NOTEBOOKS:
        chapter = chapters[path.stem]
        for source in markdown_cells(path):
            for number in equation_numbers(source).values():
                counts[chapter] = counts.get(chapter, 0) + 1
                assert number == f"{chapter}.{counts[chapter]}", (path.name, number)
    assert sum(counts.values()) >= 40  # the book's numbered equations are all checked


def test_citation_texts_are_the_sites_author_year_labels():
    bib = parse_file(ROOT / "book" / "references.bib")
    link = re.compile(r"\[(?P<text>[^\]]+)\]\(#cite-(?P<kind>[pt])-(?P<keys>[\w,-]+)\)")
    seen = 0
    for path in NOTEBOOKS:
        for source in markdown_cells(path):
            for m in link.finditer(source):
                labels = [
                    sphinx_site.author_year_label(bib.entries[k]) for k in m["keys"].split(",")
                ]
                if m["kind"] == "p":
                    expected = "(" + "; ".join(labels) + ")"
                else:
                    expected = ", ".join(
                        "{} ({})".format(*label.rsplit(", ", 1)) for label in labels
                    )
                assert m["text"] == expected, (path.name, m.group(0))
                seen += 1
    assert seen >= 30


# --- the conversion to MyST -------------------------------------------------------------


def test_to_myst_equation_and_reference():
    plain = '$$\na = b\n\\tag{4.1}\n$$\n<a id="eq-a"></a>\n\nBy [(4.1)](#eq-a), done.'
    assert to_myst(plain) == "$$\na = b\n$$ (eq-a)\n\nBy {eq}`eq-a`, done."


def test_to_myst_citations():
    assert to_myst("[(Ng, 2011)](#cite-p-ng2011)") == "{cite:p}`ng2011`"
    assert to_myst("[Ng (2011)](#cite-t-ng2011) says") == "{cite:t}`ng2011` says"
    both = "[(A, 2017; B, 2017)](#cite-p-a2017,b2017)"
    assert to_myst(both) == "{cite:p}`a2017,b2017`"


def test_to_myst_exercise_runs_to_the_end_of_its_cell():
    plain = '## Exercises\n\n<a id="ex-a"></a>**Exercise.** Do it.\nSecond line.\n'
    assert to_myst(plain) == (
        "## Exercises\n\n````{exercise}\n:label: ex-a\nDo it.\nSecond line.\n````\n"
    )


@pytest.mark.parametrize(
    "kind, title",
    [("derive", "Derive"), ("predict", "Predict, then run"), ("debug", "Debug")],
)
def test_to_myst_exercise_kind_becomes_its_title(kind, title):
    plain = f'<a id="ex-a"></a>**Exercise ({kind}).** Do it.\n'
    assert to_myst(plain) == f"````{{exercise}} {title}\n:label: ex-a\nDo it.\n````\n"
    assert to_myst('<a id="ex-a"></a>**Exercise (guess).** Do it.\n').startswith("<a id")


def test_to_myst_solution_markers_and_note():
    start = "**Solution** (of [the exercise above](#ex-a))\n\nWhy it works."
    assert to_myst(start) == "````{solution-start} ex-a\n:class: dropdown\n````\n\nWhy it works."
    assert to_myst("**End of solution.**\n\n## Next") == "````{solution-end}\n````\n\n## Next"
    note = "Before.\n\n> **Note.** One\n> two.\n>\n> Three.\n\nAfter."
    assert to_myst(note) == "Before.\n\n```{note}\nOne\ntwo.\n\nThree.\n```\n\nAfter."


def test_check_portable_finds_myst_macros_and_wrong_numbers():
    numbers = {"eq-a": "4.1"}
    assert check_portable("See [(4.1)](#eq-a) and $\\mathbb{E}[x]$.", numbers) == []
    for bad in ("{eq}`eq-a`", "{cite:p}`ng2011`", "```{note}\nx\n```", "$\\KL(q)$", "$\\N(0, 1)$"):
        assert check_portable(bad, numbers), bad
    assert check_portable("$$\nx\n$$ (eq-b)", numbers)
    wrong = check_portable("[(4.2)](#eq-a)", numbers)
    assert wrong and "(4.1)" in wrong[0]
    assert EQUATION_REF.fullmatch("[(4.1)](#eq-a)")
