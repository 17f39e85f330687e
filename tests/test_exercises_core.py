import pytest
import torch

from aecourse.exercises import check_function, check_value
from aecourse.exercises._core import Exercise, check_prediction, exercise, report


def test_check_value_pass_and_fail(capsys):
    assert check_value("answer", 3.0, 3.0)
    assert "✅ answer: correct" in capsys.readouterr().out
    assert not check_value("answer", 2.0, 3.0)
    out = capsys.readouterr().out
    assert "❌ answer" in out and "expected 3" in out and "got 2" in out and "Hint" not in out


def test_check_value_unfinished_and_wrong_shape(capsys):
    assert not check_value("answer", None, 3.0)
    assert "None" in capsys.readouterr().out
    assert not check_value("v", torch.zeros(3), torch.zeros(4))
    assert "shape" in capsys.readouterr().out
    assert not check_value("v", torch.tensor([float("nan")]), torch.zeros(1))
    assert "NaN" in capsys.readouterr().out


def test_check_function(capsys):
    cases = [(torch.randn(3),), (torch.randn(2, 2),)]
    assert check_function("double", lambda t: 2 * t, lambda t: t + t, cases)
    assert "correct on 2 test cases" in capsys.readouterr().out
    assert not check_function("double", lambda t: 3 * t, lambda t: t + t, cases)
    assert "test case 1" in capsys.readouterr().out
    assert not check_function("double", lambda t: None, lambda t: t + t, cases)
    assert "None" in capsys.readouterr().out


def test_check_function_reports_exceptions(capsys):
    def broken(t):
        raise NotImplementedError("write me")

    assert not check_function("f", broken, lambda t: t, [(torch.ones(1),)])
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write me" in out
    assert not check_function("f", 42, lambda t: t, [(torch.ones(1),)])
    assert "expected a function" in capsys.readouterr().out


def test_check_result_is_silent_in_ipython_and_truthy():
    result = check_value("x", 1.0, 1.0)
    assert bool(result) and result == True  # noqa: E712 (CheckResult compares with bools)
    assert result._ipython_display_() is None
    assert "ok=True" in repr(result) and "✅" in result.message
    assert not check_value("x", 2.0, 1.0)


# --- exercises: kinds and staged hints ------------------------------------------------------


def _make_check():
    @exercise("derive", hints=("the idea", "something more specific"))
    def check_double(student_fn):
        """Doubles?"""
        return check_function("double", student_fn, lambda t: 2 * t, [(torch.arange(3.0),)])

    return check_double


def test_hints_come_in_stages_and_stop_at_the_last(capsys):
    check = _make_check()
    assert isinstance(check, Exercise) and check.kind == "derive"
    assert check.__doc__ == "Doubles?" and check.name == "check_double"
    assert not check(lambda t: None)
    first = capsys.readouterr().out
    assert "Hint 1 of 2: the idea" in first and "check_double.hint(2)" in first
    assert "something more specific" not in first
    assert not check(lambda t: t)
    second = capsys.readouterr().out
    assert "Hint 2 of 2: something more specific" in second and "the idea" not in second
    assert not check(lambda t: t)
    assert "that was the last hint" in capsys.readouterr().out
    assert check(lambda t: t + t)
    assert "Hint" not in capsys.readouterr().out


def test_one_hint_per_call_even_when_a_check_reports_twice(capsys):
    @exercise("debug", hints=("one", "two", "three"))
    def check_twice(value):
        report(False, "part 1", "wrong")
        return report(False, "part 2", "wrong too")

    check_twice(0)
    out = capsys.readouterr().out
    assert out.count("Hint") == 1 and "Hint 1 of 3: one" in out
    assert check_twice.failures == 1


def test_a_hint_on_request(capsys):
    check = _make_check()
    check.hint(2)
    assert capsys.readouterr().out.strip() == "Hint 2 of 2: something more specific"
    for bad in (0, 3, 1.5, True, "2"):
        with pytest.raises(ValueError, match="level"):
            check.hint(bad)


def test_a_report_outside_an_exercise_has_no_hint(capsys):
    assert not report(False, "plain", "wrong")
    assert "Hint" not in capsys.readouterr().out


def test_an_exercise_needs_a_kind_and_hints():
    with pytest.raises(ValueError, match="kind"):
        exercise("guess", hints=("a", "b"))(lambda: None)
    with pytest.raises(ValueError, match="hints"):
        exercise("derive", hints=())(lambda: None)
    with pytest.raises(ValueError, match="hints"):
        exercise("derive", hints=("a", " "))(lambda: None)


def test_check_prediction(capsys):
    assert check_prediction("p", 5, 5.4, within=1, explanation="Because.")
    out = capsys.readouterr().out
    assert "✅" in out and "you predicted 5, the experiment gave 5.4" in out and "Because." in out
    assert not check_prediction("p", 9, 5.4, within=1, explanation="Because.")
    out = capsys.readouterr().out
    assert "3.6 too high" in out and "Because." in out
    assert not check_prediction("p", 1, 5.4, within=1, explanation="")
    assert "too low" in capsys.readouterr().out
    for bad, words in [(None, "write your prediction"), ("5", "str"), (True, "bool")]:
        assert not check_prediction("p", bad, 5.4, within=1, explanation="")
        assert words in capsys.readouterr().out
    assert not check_prediction("p", float("nan"), 5.4, within=1, explanation="")
    assert "finite" in capsys.readouterr().out


def test_an_answer_left_none_gets_no_hint_yet(capsys):
    @exercise("predict", hints=("the idea", "more"))
    def check_guess(prediction):
        return check_prediction("guess", prediction, 2.0, within=0.5, explanation="Why.")

    assert not check_guess(None)
    out = capsys.readouterr().out
    assert "write your prediction" in out and "the idea" not in out
    assert "check_guess.hint(1)" in out and check_guess.failures == 0
    assert not check_guess(5.0)
    assert "Hint 1 of 2: the idea" in capsys.readouterr().out
