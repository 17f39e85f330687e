"""Self-checking exercises: one module per chapter, each with a check per exercise.

A check takes the student's answer (a value or a function), compares it with the
reference on fresh inputs, prints what was expected, what came back and a hint,
and returns a :class:`CheckResult` that is true when the answer passed.  It never raises, so a notebook with an
unfinished exercise still runs to the end.
"""

from aecourse.exercises._core import CheckResult, check_function, check_value

__all__ = ["CheckResult", "check_function", "check_value"]
