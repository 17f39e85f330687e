import torch

from aecourse.exercises import check_function, check_value


def test_check_value_pass_and_fail(capsys):
    assert check_value("answer", 3.0, 3.0)
    assert "✅ answer: correct" in capsys.readouterr().out
    assert not check_value("answer", 2.0, 3.0, hint="add one")
    out = capsys.readouterr().out
    assert "❌ answer" in out and "expected 3" in out and "got 2" in out and "Hint: add one" in out


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

    assert not check_function("f", broken, lambda t: t, [(torch.ones(1),)], hint="h")
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write me" in out and "Hint: h" in out
    assert not check_function("f", 42, lambda t: t, [(torch.ones(1),)])
    assert "expected a function" in capsys.readouterr().out


def test_check_result_is_silent_in_ipython_and_truthy():
    result = check_value("x", 1.0, 1.0)
    assert bool(result) and result == True  # noqa: E712 (CheckResult compares with bools)
    assert result._ipython_display_() is None
    assert "ok=True" in repr(result) and "✅" in result.message
    assert not check_value("x", 2.0, 1.0)
