import numpy as np
import pytest
import torch

from aecourse.verdicts import agree


def test_agree_states_the_verdict_and_the_tolerance():
    a = torch.tensor([1.0, 2.0])
    assert agree(a, a + 1e-7, atol=1e-6) == "max |difference| < 1e-06: True"
    assert agree(a, a + 1e-5, atol=1e-6) == "max |difference| < 1e-06: False"
    assert agree(a * 1e4, a * 1e4 * (1 + 1e-7), atol=0, rtol=1e-6).endswith(": True")
    assert agree(np.float32(1.0), 1.0, atol=0) == "max |difference| < 0e+00: True"
    assert "1e-06·|b|" in agree(a, a, atol=1e-8, rtol=1e-6)


def test_agree_checks_its_arguments():
    with pytest.raises(ValueError, match="a and b must have the same shape"):
        agree(torch.zeros(2), torch.zeros(3), atol=1e-6)
    with pytest.raises(ValueError, match="atol must be >= 0"):
        agree(1.0, 1.0, atol=-1.0)
    assert agree(float("nan"), 1.0, atol=1.0).endswith("False")  # NaN never agrees
