"""aecourse's forward-mode Jacobians print no warning from inside torch.

torch emits "`torch.jit.script` is deprecated" from ``torch/jit/_script.py`` the first
time a process uses forward-mode autograd (``torch.func.jvp``, ``jacfwd``): a
FutureWarning, shown by default, from torch 2.14 on; a DeprecationWarning before.
:mod:`aecourse.diagnostics` hides exactly that warning, so no notebook output shows it.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
import torch

from aecourse import diagnostics
from aecourse.diagnostics import circle_sensitivity, directional_sensitivity, jacobian

JIT_MESSAGE = (
    "`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`."
)


def _encoder():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh())


def test_directional_sensitivity_warns_nothing():
    f, x = _encoder(), torch.randn(4, 2)
    v = torch.nn.functional.normalize(torch.randn(4, 2), dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rate = directional_sensitivity(f, x, v)
        along, across = circle_sensitivity(f, torch.linspace(0.0, 3.0, 5))
        jac = jacobian(f, x)  # 2 inputs < 5 code units: jacfwd, forward mode
    assert rate.shape == (4,) and along.shape == across.shape == (5,) and jac.shape == (4, 5, 2)


@pytest.mark.parametrize(
    "call", ["directional_sensitivity(f, x, torch.ones(4, 2))", "jacobian(f, x, mode='fwd')"]
)
def test_first_forward_mode_call_of_a_process_warns_nothing(call):
    """In a fresh process, where torch emits its warning if nothing hides it."""
    code = (
        "import torch\n"
        "from aecourse.diagnostics import directional_sensitivity, jacobian\n"
        "f, x = torch.nn.Linear(2, 5), torch.randn(4, 2)\n"
        f"{call}\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


def _warn_then(function, message, category):
    """``function``, made to emit ``message`` from torch's jit module first, as torch does."""

    def wrapped(*args, **kwargs):
        warnings.warn_explicit(message, category, "torch/jit/_script.py", 1491, "torch.jit._script")
        return function(*args, **kwargs)

    return wrapped


@pytest.mark.parametrize("category", [FutureWarning, DeprecationWarning])
def test_only_the_jit_script_warning_is_hidden(monkeypatch, category):
    """The filter itself, on any torch: jvp and jacfwd made to emit the warning each time."""
    f, x, v = _encoder(), torch.randn(4, 2), torch.ones(4, 2)
    jvp, jacfwd = torch.func.jvp, diagnostics.jacfwd
    calls = (lambda: directional_sensitivity(f, x, v), lambda: jacobian(f, x, mode="fwd"))
    monkeypatch.setattr(torch.func, "jvp", _warn_then(jvp, JIT_MESSAGE, category))
    monkeypatch.setattr(diagnostics, "jacfwd", _warn_then(jacfwd, JIT_MESSAGE, category))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in calls:
            call()
    other = "`torch.jit.trace` is deprecated. Please switch to `torch.compile`."
    monkeypatch.setattr(torch.func, "jvp", _warn_then(jvp, other, category))
    monkeypatch.setattr(diagnostics, "jacfwd", _warn_then(jacfwd, other, category))
    for call in calls:
        with pytest.warns(category, match="torch.jit.trace"):
            call()
