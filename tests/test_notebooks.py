"""The committed notebooks: layout, install cell, exercises, and the student edition.

nbval (``make nbval``) proves the committed outputs match a fresh run; these tests
read those outputs.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from aecourse.tools import execute
from aecourse.tools.portable_markdown import EXERCISE as EXERCISE_MARK
from aecourse.tools.set_repository import (
    PLACEHOLDER,
    install_block,
    install_cell,
    install_url,
    repository_url,
    set_repository,
)
from aecourse.tools.student import (
    FAIL,
    PASS,
    find_exercises,
    output_text,
    student_edition,
    verify_stubs_fail,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TOC = (ROOT / "_toc.yml").read_text(encoding="utf-8")


def read(path):
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks():
    assert NOTEBOOKS


def test_toc_and_notebooks_agree():
    listed = re.findall(r"file:\s*(\S+)", TOC)
    for entry in listed:
        assert (ROOT / f"{entry}.ipynb").exists() or (ROOT / f"{entry}.md").exists(), entry
    for path in NOTEBOOKS:
        assert f"notebooks/{path.stem}" in listed, f"{path.name} is not in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell(path):
    nb = read(path)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    first = next(cell for cell in nb.cells if cell.cell_type == "code").source
    assert first.startswith(execute.FAST_LINE), "the FAST switch must open the first code cell"
    assert "set_seed(" in first and "get_device()" in first
    assert install_block(nb) == install_cell(repository_url(ROOT)), (
        "the install block is not the one for _config.yml's url: run "
        "python -m aecourse.tools.set_repository URL"
    )
    assert nb.metadata.kernelspec.name == "python3"
    setup = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "hide-input" in setup.metadata.get("tags", []), "the setup cell is collapsed on the site"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_has_alt_text_in_its_metadata(path):
    """The site writes it into the image's alt attribute; the prose does not repeat it."""
    nb = read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            assert "(alt text" not in cell.source.lower(), f"cell {i}: alt text belongs in metadata"
            continue
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, f"cell {i} draws a figure without alt text: {cell.source[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_with_outputs_and_no_errors(path):
    nb = read(path)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code), "not executed"
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "not executed top to bottom in one run"
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_stub_fails_and_solution_passes(path):
    nb = read(path)
    exercises = find_exercises(nb)
    assert exercises, "a chapter needs exercises"
    for exercise in exercises:
        stub = output_text(nb.cells[exercise.stub])
        assert FAIL in stub and PASS not in stub, f"stub in cell {exercise.stub}: {stub!r}"
        solution = "".join(output_text(nb.cells[i]) for i in exercise.solution)
        assert PASS in solution and FAIL not in solution, f"solution: {solution!r}"


# How many exercises of which kinds each chapter has: tests/test_exercise_hints.py.


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_keeps_stubs_and_drops_solutions(path):
    nb = read(path)
    student = student_edition(nb)
    text = "\n".join(cell.source for cell in student.cells)
    assert "**Solution**" not in text and "End of solution" not in text
    assert len(EXERCISE_MARK.findall(text)) == len(find_exercises(nb))
    for exercise in find_exercises(nb):
        assert nb.cells[exercise.stub].source in text  # the stub and its check stay
        for i in exercise.solution:
            assert nb.cells[i].source not in text
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")


def _nb(*cells):
    made = []
    for kind, source, outputs in cells:
        if kind == "md":
            made.append(nbformat.v4.new_markdown_cell(source))
        else:
            cell = nbformat.v4.new_code_cell(source)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=outputs)]
            made.append(cell)
    return nbformat.v4.new_notebook(cells=made)


START = "**Solution** (of [the exercise above](#ex-a))\n"
END = "**End of solution.**\n"
EXERCISE = '<a id="ex-a"></a>**Exercise.** Do it.\n'


def test_student_edition_on_markers_sharing_cells():
    nb = _nb(
        ("md", "Intro\n\n" + EXERCISE, ""),
        ("code", "x = None\ncheck_x(x)", f"{FAIL} x: your answer is None, replace it"),
        ("md", START + "Solution prose.", ""),
        ("code", "x = 1\ncheck_x(x)", f"{PASS} x: correct"),
        ("md", END + "\nNext section, kept.\n\n" + EXERCISE.replace("ex-a", "ex-b"), ""),
        ("code", "y = None\ncheck_y(y)", f"{FAIL} y: your answer is None, replace it"),
        ("md", START.replace("ex-a", "ex-b"), ""),
        ("code", "y = 2", ""),
        ("md", END, ""),
    )
    assert [(e.stub, e.solution) for e in find_exercises(nb)] == [(1, [3]), (5, [7])]
    student = student_edition(nb)
    sources = [cell.source for cell in student.cells]
    assert sources[0].startswith("Intro") and "x = None" in sources[1]
    assert sources[2].startswith("\nNext section, kept.") and "y = None" in sources[3]
    assert len(sources) == 4 and "Solution prose" not in "".join(sources)


def test_malformed_exercise_layouts_are_rejected():
    with pytest.raises(ValueError, match="solution-start without"):
        find_exercises(_nb(("md", START, ""), ("code", "x", ""), ("md", END, "")))
    with pytest.raises(ValueError, match="never closed"):
        find_exercises(_nb(("md", EXERCISE, ""), ("code", "x", ""), ("md", START, "")))
    with pytest.raises(ValueError, match="without code"):
        find_exercises(
            _nb(("md", EXERCISE, ""), ("code", "x", ""), ("md", START, ""), ("md", END, ""))
        )


def test_verify_stubs_fail_spots_a_passing_stub():
    good = _nb(("md", EXERCISE, ""), ("code", "check(x)", f"{FAIL} x: expected 3, got None."))
    assert verify_stubs_fail(good) == []
    passing = _nb(("md", EXERCISE, ""), ("code", "check(x)", f"{PASS} x: correct"))
    assert "did not fail" in verify_stubs_fail(passing)[0]
    terse = _nb(("md", EXERCISE, ""), ("code", "check(x)", f"{FAIL} no"))
    assert "too short" in verify_stubs_fail(terse)[0]


def test_set_repository_rewrites_config_and_install_cells(tmp_path):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "notebooks").mkdir()
    copy = tmp_path / "notebooks" / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], copy)
    url = "https://github.com/someone/my-aecourse"
    changed = set_repository(tmp_path, url)
    assert changed == [tmp_path / "_config.yml", copy]
    assert repository_url(tmp_path) == url
    assert install_url(read(copy)) == url and install_block(read(copy)) == install_cell(url)
    assert set_repository(tmp_path, url) == []  # a second run changes nothing
    # back to the placeholder: the cell installs nothing and says how to get aecourse
    set_repository(tmp_path, PLACEHOLDER)
    assert install_url(read(copy)) is None
    assert install_block(read(copy)) == install_cell(PLACEHOLDER)
    with pytest.raises(ValueError, match="url must look like"):
        set_repository(tmp_path, "not a url")


def test_set_repository_replaces_the_old_install_line(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "_config.yml").write_text(f"repository:\n  url: {PLACEHOLDER}\n")
    old = f'try:\n    import aecourse\nexcept ImportError:\n    %pip install -q "aecourse @ git+{PLACEHOLDER}"\n'
    nb = _nb(("md", "# Title", ""), ("code", "FAST = True\n" + old + "import math", ""))
    nbformat.write(nb, tmp_path / "notebooks" / "a.ipynb")
    set_repository(tmp_path, PLACEHOLDER)
    source = next(
        c for c in read(tmp_path / "notebooks" / "a.ipynb").cells if c.cell_type == "code"
    ).source
    assert source == "FAST = True\n" + install_cell(PLACEHOLDER) + "\nimport math"
    (tmp_path / "notebooks" / "b.ipynb").write_text(nbformat.writes(_nb(("code", "x = 1", ""))))
    with pytest.raises(ValueError, match="b.ipynb: the first code cell has no install block"):
        set_repository(tmp_path, PLACEHOLDER)


def _run_install_block(block):
    """Run an install block as IPython would (``%pip`` becomes a call); return the pip calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls = []

    class Shell:
        def run_line_magic(self, name, line):
            calls.append((name, line))

    exec(TransformerManager().transform_cell(block), {"get_ipython": Shell})
    return calls


def test_install_block_installs_from_the_repository_only_where_aecourse_is_missing(monkeypatch):
    url = "https://github.com/someone/my-aecourse"
    assert _run_install_block(install_cell(url)) == []
    monkeypatch.setitem(sys.modules, "aecourse", None)  # import aecourse now raises ImportError
    assert _run_install_block(install_cell(url)) == [("pip", f'install -q "aecourse @ git+{url}"')]


def test_placeholder_install_block_says_how_to_install(monkeypatch):
    assert _run_install_block(install_cell(PLACEHOLDER)) == []
    monkeypatch.setitem(sys.modules, "aecourse", None)
    with pytest.raises(ImportError) as error:
        _run_install_block(install_cell(PLACEHOLDER))
    message = str(error.value)
    assert message.startswith("aecourse is not installed")
    assert "%pip install git+<URL of the aecourse repository>" in message
    assert "instructor" in message and error.value.__suppress_context__
    assert "python -m aecourse.tools.set_repository URL" in install_cell(PLACEHOLDER)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_scale_up_flips_the_switch_in_memory(path):
    nb = read(path)
    execute.scale_up(nb)
    first = next(cell for cell in nb.cells if cell.cell_type == "code").source
    assert first.startswith("FAST = False") and first.count("FAST = ") == 1
    on_disk = next(c for c in read(path).cells if c.cell_type == "code").source
    assert on_disk.startswith("FAST = True")  # the file itself is untouched


def test_scale_up_refuses_a_notebook_without_the_switch():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="FAST = True"):
        execute.scale_up(nb)


def test_execute_tool_keeps_going_and_reports_failures(tmp_path, capsys):
    cells = {
        "good": [nbformat.v4.new_code_cell("FAST = True\nprint('fast' if FAST else 'full')")],
        "bad": [nbformat.v4.new_code_cell("FAST = True\nraise RuntimeError('boom')")],
        "slow": [nbformat.v4.new_code_cell("FAST = True\nimport time\ntime.sleep(30)")],
    }
    paths = []
    for name in ("bad", "slow", "good"):
        nb = nbformat.v4.new_notebook(cells=cells[name])
        nb.metadata.kernelspec = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    out = tmp_path / "out"
    options = ["--scale-up", "--output-dir", str(out), "--timeout", "3"]
    status = execute.main([str(p) for p in paths] + options)
    printed = capsys.readouterr().out
    assert status == 1
    assert "| bad.ipynb | FAILED |" in printed and "boom" in printed
    assert "| slow.ipynb | FAILED |" in printed and "timed out" in printed
    assert re.search(r"\| good\.ipynb \| \d+\.\d \|", printed)
    executed = read(out / "good.ipynb")
    assert executed.cells[0].outputs[0].text == "full\n"  # ran with FAST = False
    assert not (out / "bad.ipynb").exists()
    assert not read(tmp_path / "good.ipynb").cells[0].outputs  # --scale-up never writes back


def test_execute_tool_reports_an_unreadable_notebook_and_goes_on(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    missing = tmp_path / "missing.ipynb"
    good = tmp_path / "good.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("FAST = True\nprint(1)")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, good)
    status = execute.main([str(broken), str(missing), str(good), "--no-write"])
    printed = capsys.readouterr().out
    assert status == 1
    assert "| broken.ipynb | FAILED |" in printed and "broken.ipynb: cannot run it" in printed
    assert "| missing.ipynb | FAILED |" in printed and "No such file" in printed
    assert re.search(r"\| good\.ipynb \| \d+\.\d \|", printed)
