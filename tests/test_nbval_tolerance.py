"""The numeric tolerance that nbval compares the committed outputs with.

Words must stay exactly the same; numbers may move within their cell's tolerance,
and no further. Checked on the comparison itself and through a real nbval run.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from aecourse.tools.nbval_tolerance import (
    EXACT,
    LOOSE,
    TRAINED,
    TolerantText,
    same_output,
    split_numbers,
    tolerance_of,
)


def test_numbers_are_found_but_names_stay_text():
    text, numbers = split_numbers("L_5000 = -98.65 ± 1.98, x2 in 640x480, 6.6e-07")
    assert numbers == ["-98.65", "1.98", "640", "6.6e-07"]
    assert text[0] == "L_5000 = " and text[2] == ", x2 in "


@pytest.mark.parametrize(
    "ref, got, tolerance, same",
    [
        ("loss 0.4527", "loss 0.4528", EXACT, True),  # one unit of the last digit
        ("loss 0.4527", "loss 0.4529", EXACT, False),  # two units
        ("4,000 digits", "4,001 digits", EXACT, False),  # integers exactly
        ("12 epochs", "12 epochs", EXACT, True),
        ("ELBO -123.80", "ELBO -123.74", EXACT, False),
        ("ELBO -123.80", "ELBO -123.74", TRAINED, True),  # 0.05 %
        ("ELBO -123.80", "ELBO -117.00", TRAINED, False),  # 5.5 %
        ("SSE 12.5", "SSE 12.6", TRAINED, True),
        ("KL 0.003", "KL 0.002", TRAINED, True),  # two units of the last digit
        ("KL 0.003", "KL 0.006", TRAINED, False),
        ("recon 0.0020", "recon 0.0022", TRAINED, True),  # exactly 2 units, despite round-off
        ("recon 0.0020", "recon 0.0023", TRAINED, False),
        ("active units: 13", "active units: 12", TRAINED, True),
        ("active units: 13", "active units: 9", TRAINED, False),
        ("train 23.6", "train 20.5", TRAINED, False),  # 13 %
        ("train 23.6", "train 20.5", LOOSE, True),
        ("train 23.6", "train 16.0", LOOSE, False),  # 32 %
        ("loss 0.45", "cost 0.45", TRAINED, False),  # a word changed
        ("loss 0.45", "loss 0.45 0.1", LOOSE, False),  # a number added
        ("a 1.0 b 2.0", "a 1.0 b", LOOSE, False),  # a number removed
        ("a  1.0", "a 1.0", TRAINED, False),  # spacing is text too
        ("loss=0.5 \nnext", "loss=0.5\nnext", EXACT, True),  # but not at the end of a line
        ("mean -0.000", "mean 0.000", EXACT, True),  # equal numbers
        ("True", "False", LOOSE, False),
        ("nan", "nan", EXACT, True),
        ("1.0", "nan", LOOSE, False),
    ],
)
def test_same_output(ref, got, tolerance, same):
    assert same_output(ref, got, tolerance) is same


def test_the_cell_tag_chooses_the_tolerance():
    assert tolerance_of(None) is EXACT and tolerance_of(["nbval-ignore-output"]) is EXACT
    assert tolerance_of(["nbval-tolerance-trained"]) is TRAINED
    assert tolerance_of(["nbval-tolerance-loose", "nbval-tolerance-trained"]) is LOOSE


def test_tolerant_text_compares_like_nbval_does():
    ref = TolerantText("loss 1.000", TRAINED)
    assert not ref != "loss 1.010" and ref == "loss 1.010"
    assert ref != "loss 1.100"
    assert ref != 1.0  # not a string: never equal


@pytest.mark.parametrize(
    "committed, printed, tags, passes",
    [
        ("ELBO -123.80\n", "ELBO -123.74", ["nbval-tolerance-trained"], True),
        ("ELBO -123.80\n", "ELBO -123.74", [], False),
        ("ELBO -123.80\n", "ELBO -160.00", ["nbval-tolerance-trained"], False),
        ("ELBO -123.80\n", "ELBOW -123.80", ["nbval-tolerance-trained"], False),
        ("ELBO -123.80\n", "ELBO -123.80", [], True),
    ],
)
def test_through_nbval(tmp_path, committed, printed, tags, passes):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f"print({printed!r})", execution_count=1)
    cell.metadata["tags"] = tags
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=committed)]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "one.ipynb"
    nbformat.write(nb, path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "aecourse.tools.nbval_tolerance", "--nbval",
         "--nbval-current-env", "-p", "no:randomly", "-p", "no:cacheprovider", "-q", str(path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert (run.returncode == 0) is passes, run.stdout[-2000:]
