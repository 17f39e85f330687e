import torch

from aecourse.exercises import check_function, check_value


def test_check_value_pass_and_fail(capsys):
    assert check_value("answer", 3.0, 3.0) is True
    assert "✅ answer: correct" in capsys.readouterr().out
    assert check_value("answer", 2.0, 3.0, hint="add one") is False
    out = capsys.readouterr().out
    assert "❌ answer" in out and "expected 3" in out and "got 2" in out and "Hint: add one" in out


def test_check_value_unfinished_and_wrong_shape(capsys):
    assert check_value("answer", None, 3.0) is False
    assert "None" in capsys.readouterr().out
    assert check_value("v", torch.zeros(3), torch.zeros(4)) is False
    assert "shape" in capsys.readouterr().out
    assert check_value("v", torch.tensor([float("nan")]), torch.zeros(1)) is False
    assert "NaN" in capsys.readouterr().out


def test_check_function(capsys):
    cases = [(torch.randn(3),), (torch.randn(2, 2),)]
    assert check_function("double", lambda t: 2 * t, lambda t: t + t, cases) is True
    assert "correct on 2 test cases" in capsys.readouterr().out
    assert check_function("double", lambda t: 3 * t, lambda t: t + t, cases) is False
    assert "test case 1" in capsys.readouterr().out
    assert check_function("double", lambda t: None, lambda t: t + t, cases) is False
    assert "None" in capsys.readouterr().out


def test_check_function_reports_exceptions(capsys):
    def broken(t):
        raise NotImplementedError("write me")

    assert check_function("f", broken, lambda t: t, [(torch.ones(1),)], hint="h") is False
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write me" in out and "Hint: h" in out
    assert check_function("f", 42, lambda t: t, [(torch.ones(1),)]) is False
    assert "expected a function" in capsys.readouterr().out
