"""The machinery shared by every exercise check."""

from __future__ import annotations

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


def report(ok: bool, name: str, message: str) -> CheckResult:
    line = f"{PASS if ok else FAIL} {name}: {message}"
    print(line)
    return CheckResult(ok, line)


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


def check_value(
    name: str, got, expected, hint: str = "", atol: float = 1e-6, rtol: float = 1e-4
) -> CheckResult:
    """Compare a value the student computed with the reference value."""
    problem = compare(got, expected, atol, rtol)
    if problem is None:
        return report(True, name, f"correct ({_summary(_to_numpy(got))})")
    return report(False, name, problem + (f". Hint: {hint}" if hint else ""))


def check_function(
    name: str,
    student_fn: Callable,
    reference_fn: Callable,
    cases: Sequence[tuple],
    hint: str = "",
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> CheckResult:
    """Call ``student_fn`` and ``reference_fn`` on each argument tuple in ``cases``.

    Passes when every output agrees; otherwise reports the first failing case,
    including an exception the student's code raised.
    """
    if not callable(student_fn):
        return report(False, name, f"expected a function, got {type(student_fn).__name__}")
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
                f"(line {where.lineno})" + (f". Hint: {hint}" if hint else ""),
            )
        problem = compare(got, expected, atol, rtol)
        if problem is not None:
            shapes = ", ".join(
                str(tuple(a.shape)) if isinstance(a, torch.Tensor) else repr(a) for a in args
            )
            return report(
                False,
                name,
                f"on test case {i + 1} (inputs {shapes}) {problem}"
                + (f". Hint: {hint}" if hint else ""),
            )
    return report(True, name, f"correct on {len(cases)} test cases")
