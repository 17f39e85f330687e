"""The machinery shared by every exercise check."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable, Sequence

import numpy as np
import torch

PASS = "✅"
FAIL = "❌"


class CheckResult:
    """The outcome of a check: true when the answer passed.

    It prints nothing of its own in a notebook (the check already printed its
    message), so a check call can end a cell without a stray ``True``.
    """

    def __init__(self, ok: bool, message: str) -> None:
        self.ok, self.message = bool(ok), message

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other) -> bool:
        if isinstance(other, (bool, CheckResult)):
            return self.ok == bool(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"CheckResult(ok={self.ok})"

    def _ipython_display_(self) -> None:
        """Show nothing: the message was printed when the check ran."""


def seeded(seed: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed``: each check draws its cases from
    its own, so they are the same on every run and independent of the global seed."""
    return torch.Generator().manual_seed(seed)


#: The kinds of exercise the book sets (see the exercise standard in README).
KINDS = ("derive", "predict", "experiment", "debug", "implement")


class Exercise:
    """A check with a kind and staged hints, made by the :func:`exercise` decorator.

    Calling it runs the check. The first failed attempt shows hint 1 (the idea to
    use); each later failure shows the next, more specific hint, until the last one.
    ``check.hint(2)`` prints hint 2 at once. No hint contains the answer's formula or
    code (``tests/test_exercise_hints.py`` compares each hint with its solution).
    """

    def __init__(self, check: Callable, kind: str, hints: Sequence[str]) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if not hints or not all(isinstance(h, str) and h.strip() for h in hints):
            raise ValueError("hints must be a non-empty sequence of non-empty strings")
        functools.update_wrapper(self, check)
        self.check, self.kind, self.hints = check, kind, tuple(hints)
        self.name = check.__name__
        self.failures = 0
        self._hint_given = self._untouched = False

    def __call__(self, *args, **kwargs) -> CheckResult:
        global _active
        outer, _active = _active, self
        # An answer still None is not an attempt (e.g. a prediction not yet written): no
        # hint yet, so that nothing is suggested before the student has thought.
        self._untouched = bool(args) and args[0] is None
        self._hint_given = False
        try:
            return self.check(*args, **kwargs)
        finally:
            _active = outer

    def __repr__(self) -> str:
        return f"<{self.kind} exercise check {self.name}>"

    def _next_hint(self) -> str:
        """The hint for this failure (one per call of the check)."""
        if self._hint_given:
            return ""
        self._hint_given = True
        if self._untouched:
            return f"\n   (hints come after your first attempt; {self.name}.hint(1) shows one now)"
        self.failures += 1
        level = min(self.failures, len(self.hints))
        return "\n   " + self._hint_text(level, staged=True)

    def _hint_text(self, level: int, staged: bool = False) -> str:
        last = len(self.hints)
        text = f"Hint {level} of {last}: {self.hints[level - 1]}"
        if level < last:
            more = "after another try" if staged else "when you want it"
            text += f" (a more specific hint {more}, or now: {self.name}.hint({level + 1}))"
        elif staged and self.failures > last:
            text += " (that was the last hint)"
        return text

    def hint(self, level: int = 1) -> None:
        """Print hint ``level`` (1 = the idea; the last = the most specific)."""
        if (
            isinstance(level, bool)
            or not isinstance(level, int)
            or not 1 <= level <= len(self.hints)
        ):
            raise ValueError(
                f"level must be a whole number from 1 to {len(self.hints)}, got {level!r}"
            )
        print(self._hint_text(level))


_active: Exercise | None = None


def exercise(kind: str, hints: Sequence[str]) -> Callable[[Callable], Exercise]:
    """Make ``check`` an :class:`Exercise` of ``kind`` with staged ``hints``."""
    return lambda check: Exercise(check, kind, hints)


def report(ok: bool, name: str, message: str) -> CheckResult:
    """Print ✅ or ❌ ``name``: ``message``; a failure inside an exercise check adds the
    exercise's next hint."""
    line = f"{PASS if ok else FAIL} {name}: {message}"
    if not ok and _active is not None:
        line += _active._next_hint()
    print(line)
    return CheckResult(ok, line)


def check_prediction(
    name: str,
    prediction,
    measured: float,
    within: float,
    explanation: str,
    unit: str = "",
) -> CheckResult:
    """Compare a number the student predicted before running an experiment with what
    the experiment ``measured``: pass when they differ by at most ``within``; either way
    say how far apart they are and ``explanation`` (why the result is what it is)."""
    if prediction is None:
        return report(False, name, "write your prediction (a number) before you run the experiment")
    if isinstance(prediction, bool) or not isinstance(prediction, (int, float, np.number)):
        return report(
            False, name, f"your prediction is a {type(prediction).__name__}; expected a number"
        )
    if not np.isfinite(float(prediction)):
        return report(False, name, f"your prediction is {prediction}; expected a finite number")
    gap = float(prediction) - float(measured)
    said = f"you predicted {float(prediction):.4g}{unit}, the experiment gave {measured:.4g}{unit}"
    if abs(gap) <= within:
        return report(True, name, f"{said}: within {within:.3g}{unit}. {explanation}")
    side = "high" if gap > 0 else "low"
    return report(False, name, f"{said}: {abs(gap):.3g}{unit} too {side}. {explanation}")


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def _summary(value) -> str:
    if value is None:
        return "None"
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    flat = array.ravel()
    head = ", ".join(f"{v:.4g}" for v in flat[:4])
    more = ", ..." if flat.size > 4 else ""
    return f"array of shape {array.shape}: [{head}{more}]"


def compare(got, expected, atol: float, rtol: float) -> str | None:
    """``None`` if ``got`` matches ``expected``, else a sentence saying how it differs."""
    if got is None:
        return "your answer is None: replace the placeholder with your code"
    if isinstance(got, bool) and not isinstance(expected, bool):
        return f"your answer is a bool ({got}); expected a number"
    try:
        got_np = _to_numpy(got)
    except (TypeError, ValueError):
        return f"your answer has type {type(got).__name__}; expected a number or a tensor"
    expected_np = _to_numpy(expected)
    if got_np.shape != expected_np.shape:
        return f"expected shape {expected_np.shape}, got shape {got_np.shape}"
    if not np.all(np.isfinite(got_np)):
        return f"your answer contains NaN or infinity: {_summary(got_np)}"
    if not np.allclose(got_np, expected_np, atol=atol, rtol=rtol):
        worst = float(np.max(np.abs(got_np - expected_np)))
        return (
            f"expected {_summary(expected_np)}, got {_summary(got_np)} "
            f"(largest difference {worst:.3g})"
        )
    return None


def not_a_function(name: str, value) -> CheckResult:
    """The failed check of an answer that should have been a function but is ``value``."""
    return report(False, name, f"expected a function, got {type(value).__name__}")


def check_value(name: str, got, expected, atol: float = 1e-6, rtol: float = 1e-4) -> CheckResult:
    """Compare a value the student computed with the reference value (inside an
    :class:`Exercise`, a failure shows the exercise's next hint)."""
    problem = compare(got, expected, atol, rtol)
    if problem is None:
        return report(True, name, f"correct ({_summary(_to_numpy(got))})")
    return report(False, name, problem)


def check_function(
    name: str,
    student_fn: Callable,
    reference_fn: Callable,
    cases: Sequence[tuple],
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> CheckResult:
    """Call ``student_fn`` and ``reference_fn`` on each argument tuple in ``cases``.

    Passes when every output agrees; otherwise reports the first failing case,
    including an exception the student's code raised.
    """
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    for i, args in enumerate(cases):
        expected = reference_fn(*args)
        try:
            got = student_fn(*args)
        except Exception as err:  # the student's code may raise anything
            where = traceback.extract_tb(err.__traceback__)[-1]
            return report(
                False,
                name,
                f"on test case {i + 1} your function raised {type(err).__name__}: {err} "
                f"(line {where.lineno})",
            )
        problem = compare(got, expected, atol, rtol)
        if problem is not None:
            shapes = ", ".join(
                str(tuple(a.shape)) if isinstance(a, torch.Tensor) else repr(a) for a in args
            )
            return report(
                False,
                name,
                f"on test case {i + 1} (inputs {shapes}) {problem}",
            )
    return report(True, name, f"correct on {len(cases)} test cases")
