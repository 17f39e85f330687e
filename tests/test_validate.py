import pytest
import torch

from aecourse._validate import (
    check_positive_int,
    check_positive_number,
    check_tensor,
    skip_value_scans,
)


def test_check_tensor_scans_values_unless_skipped():
    bad = torch.tensor([[1.0, float("nan")]])
    with pytest.raises(ValueError, match="x contains NaN"):
        check_tensor("x", bad)
    with skip_value_scans():
        check_tensor("x", bad)  # types and shapes only
        with pytest.raises(ValueError, match="x must have 3 dimensions"):
            check_tensor("x", bad, ndim=3)
    with pytest.raises(ValueError, match="x contains NaN"):  # restored afterwards
        check_tensor("x", bad)


def test_skip_value_scans_restores_after_an_error():
    with pytest.raises(RuntimeError), skip_value_scans():
        raise RuntimeError("boom")
    with pytest.raises(ValueError, match="infinite"):
        check_tensor("x", torch.tensor([float("inf")]))


@pytest.mark.parametrize(
    "value, error",
    [(-1.0, ValueError), (0.0, ValueError), (float("nan"), ValueError), ("1", TypeError)],
)
def test_check_positive_number(value, error):
    with pytest.raises(error, match="s "):
        check_positive_number("s", value)
    assert check_positive_number("s", 0.0, allow_zero=True) == 0.0


def test_check_positive_int():
    assert check_positive_int("n", 3) == 3
    with pytest.raises(TypeError, match="n must be an int"):
        check_positive_int("n", True)
    with pytest.raises(ValueError, match="n must be >= 1"):
        check_positive_int("n", 0)
