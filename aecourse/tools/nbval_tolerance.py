"""nbval with a numeric tolerance: words exactly, numbers within a stated tolerance.

    python -m pytest -p aecourse.tools.nbval_tolerance --nbval --nbval-current-env notebooks

nbval compares a fresh run's text outputs with the committed ones character by
character. Trained results and floating-point round-off move in their last digits
from one CPU to another (other BLAS kernels, other vector instructions), so an
exact comparison makes a correct book fail on the next machine. This plugin keeps
the comparison exact for everything but numbers: the text around the numbers, and
how many numbers there are, must be identical; each pair of numbers must agree
within the tolerance of its cell's kind.

The kind is a cell tag (tags are hidden on the site):

- no tag ("exact"): integers exactly; other numbers within one unit of their last
  printed digit (``0.4527`` vs ``0.4528``), which a round-off-sized difference can
  flip. For values a cell computes without training.
- ``nbval-tolerance-trained``: within 5 % (relative) or two units of the last
  printed digit, whichever is larger, integers included. For results of a
  training run, which moved by up to 4.4 % between CPUs and PyTorch's kernels
  (see README).
- ``nbval-tolerance-loose``: within 25 % or two units of the last digit. For the
  few trained results that are fragile by nature (a memorizing autoencoder trained
  on 64 digits, errors close to zero), which moved by up to 20 %; the claims made
  about them are held by ``assert`` in their cells, not by the digits.

Cells tagged ``nbval-ignore-output`` are not compared at all, as before.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: A number as printed: optional sign, digits with an optional fraction, optional
#: exponent. Not preceded by a letter, digit, underscore or point, so that names such
#: as ``L_5000`` or ``x2`` stay text and are compared exactly.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

TRAILING_SPACES = re.compile(r"[ \t]+$", re.M)

TRAINED_TAG = "nbval-tolerance-trained"
LOOSE_TAG = "nbval-tolerance-loose"


@dataclass(frozen=True)
class Tolerance:
    """How far two printed numbers may lie apart and still count as the same."""

    rel: float  # relative to the larger magnitude
    units: float  # in units of the last printed digit of the coarser of the two
    exact_integers: bool  # integers (no point, no exponent) must be equal

    def agree(self, ref: str, got: str) -> bool:
        a, b = float(ref), float(got)
        if _is_integer(ref) and _is_integer(got) and self.exact_integers:
            return a == b
        allowed = max(self.rel * max(abs(a), abs(b)), self.units * max(_unit(ref), _unit(got)))
        # 0.0022 - 0.0020 is 0.00020000000000000017 in binary: without the relative slack
        # a difference of exactly the allowed units would fail by round-off
        return abs(a - b) <= allowed * (1 + 1e-9)


EXACT = Tolerance(rel=0.0, units=1.0, exact_integers=True)
TRAINED = Tolerance(rel=0.05, units=2.0, exact_integers=False)
LOOSE = Tolerance(rel=0.25, units=2.0, exact_integers=False)


def _is_integer(token: str) -> bool:
    return not any(c in token for c in ".eE")


def _unit(token: str) -> float:
    """One unit of the last printed digit: 0.01 for ``-3.14``, 1e-07 for ``6.6e-07``."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """The text between the numbers, and the numbers, of ``text``."""
    return NUMBER.split(text), NUMBER.findall(text)


def same_output(ref: str, got: str, tolerance: Tolerance = EXACT) -> bool:
    """Whether ``got`` reads as ``ref``: the same words, the same numbers within tolerance.

    Spaces at the end of a line do not count: a progress bar pads its last state with
    as many as its previous, longer state needed, which depends on timing.
    """
    ref, got = TRAILING_SPACES.sub("", ref), TRAILING_SPACES.sub("", got)
    if ref == got:
        return True
    ref_text, ref_numbers = split_numbers(ref)
    got_text, got_numbers = split_numbers(got)
    if ref_text != got_text or len(ref_numbers) != len(got_numbers):
        return False
    return all(
        math.isfinite(float(a)) and tolerance.agree(a, b) for a, b in zip(ref_numbers, got_numbers)
    )


def tolerance_of(tags) -> Tolerance:
    """The tolerance of a cell with these tags."""
    tags = tags or ()
    if LOOSE_TAG in tags:
        return LOOSE
    return TRAINED if TRAINED_TAG in tags else EXACT


class TolerantText(str):
    """A text output that compares equal to another within its cell's tolerance.

    nbval compares outputs with ``ref_out != test_out`` after passing each through
    ``IPyNbCell.sanitize``; returning this from ``sanitize`` is the smallest change
    that gives that comparison a tolerance and keeps the rest of nbval (its report
    of a difference, its skips and sanitizers) as it is.
    """

    tolerance: Tolerance = EXACT

    def __new__(cls, text: str, tolerance: Tolerance):
        obj = super().__new__(cls, text)
        obj.tolerance = tolerance
        return obj

    def __eq__(self, other) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        return same_output(str(self), str(other), self.tolerance)

    def __ne__(self, other) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__


def pytest_configure(config) -> None:
    if not getattr(config.option, "nbval", False) and not getattr(
        config.option, "nbval_lax", False
    ):
        return
    from nbval.plugin import IPyNbCell

    if getattr(IPyNbCell, "_aecourse_tolerance", False):
        return
    original = IPyNbCell.sanitize

    def sanitize(self, s):
        s = original(self, s)
        if not isinstance(s, str):
            return s
        return TolerantText(s, tolerance_of(self.cell.metadata.get("tags")))

    IPyNbCell.sanitize = sanitize
    IPyNbCell._aecourse_tolerance = True
