import pytest
import torch

from aecourse._validate import (
    check_int,
    check_positive_int,
    check_positive_number,
    check_same_dtype,
    check_tensor,
    value_scans,
)


def test_check_tensor_scans_values_unless_switched_off():
    bad = torch.tensor([[1.0, float("nan")]])
    with pytest.raises(ValueError, match="x contains NaN"):
        check_tensor("x", bad)
    with value_scans(False):
        check_tensor("x", bad)  # types and shapes only
        with pytest.raises(ValueError, match="x must have 3 dimensions"):
            check_tensor("x", bad, ndim=3)
    with pytest.raises(ValueError, match="x contains NaN"):  # restored afterwards
        check_tensor("x", bad)


def test_value_scans_restores_after_an_error():
    with pytest.raises(RuntimeError), value_scans(False):
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


def test_value_scans_can_switch_scans_back_on_inside():
    bad = torch.tensor([float("nan")])
    with value_scans(False), value_scans(True), pytest.raises(ValueError, match="NaN"):
        check_tensor("x", bad)


def test_check_tensor_rejects_empty_unless_allowed():
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 3\)\)"):
        check_tensor("x", torch.zeros(0, 3))
    assert check_tensor("x", torch.zeros(0, 3), allow_empty=True).shape == (0, 3)


def test_check_tensor_names_a_numpy_array_and_how_to_convert():
    import numpy as np

    with pytest.raises(TypeError, match=r"x must be a torch.Tensor, got ndarray.*as_tensor"):
        check_tensor("x", np.zeros((2, 2)))


def test_check_same_dtype_says_how_to_convert():
    check_same_dtype("x", torch.zeros(2), "the model's parameters", torch.float32)
    with pytest.raises(TypeError, match=r"x has dtype torch.float64 .*x\.float\(\)"):
        check_same_dtype("x", torch.zeros(2, dtype=torch.float64), "the weights", torch.float32)


def test_numpy_integers_count_as_ints_and_bools_do_not():
    import numpy as np

    assert check_int("seed", np.int64(3), minimum=0) == 3
    assert type(check_positive_int("n", np.int32(2))) is int
    for bad in (True, np.bool_(True), 2.0, "2"):
        with pytest.raises(TypeError, match="must be an int"):
            check_int("n", bad)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        check_int("seed", -1, minimum=0)
    assert check_positive_number("lr", np.float32(0.5)) == 0.5
