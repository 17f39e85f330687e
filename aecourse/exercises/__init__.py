"""Self-checking exercises: one module per chapter, each with a check per exercise.

A check takes the student's answer (a value, a function, a prediction or a fixed
piece of code), tests it on fresh inputs or by its effect, prints what was expected,
what came back and a hint, and returns a :class:`CheckResult` that is true when the
answer passed. It never raises, so a notebook with an unfinished exercise still runs
to the end. Every check is an :class:`Exercise` of one of the :data:`KINDS`, with
hints in stages: the first failure names the idea, later ones get more specific, and
``check.hint(n)`` shows hint ``n`` at once. No hint contains the answer.
"""

from aecourse.exercises._core import (
    KINDS,
    CheckResult,
    Exercise,
    check_function,
    check_prediction,
    check_value,
    exercise,
)

__all__ = [
    "KINDS",
    "CheckResult",
    "Exercise",
    "check_function",
    "check_prediction",
    "check_value",
    "exercise",
]
