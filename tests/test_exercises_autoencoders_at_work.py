"""Tests of the exercise checks of the chapter "Autoencoders at work".

For every check: the notebook's solution and the reference pass, the unfinished stub
and typical wrong answers fail with a helpful message, and nothing raises. The
references are checked against independent computations.
"""

import numpy as np
import pytest
import torch
from torch import nn

import aecourse.exercises.autoencoders_at_work as work
from aecourse.data import load_mnist
from aecourse.exercises.autoencoders_at_work import (
    LAYER_CASES,
    check_detection_auc,
    check_false_alarm_threshold,
    check_ones_auc_prediction,
    check_parameter_counts,
    reference_detection_auc,
    reference_parameter_counts,
)
from aecourse.runtime import set_seed


def stub(*args):
    return None  # an unfinished exercise


# --- the references are right -----------------------------------------------------------------


@pytest.mark.parametrize("c_in, c_out, kernel, size, stride, padding", LAYER_CASES[:4])
def test_parameter_counts_reference_matches_layers_built_on_the_cpu(
    c_in, c_out, kernel, size, stride, padding
):
    conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding)
    out = conv(torch.zeros(1, c_in, size, size))  # (1, c_out, side, side)
    dense = nn.Linear(c_in * size * size, out.numel())
    expected = (
        sum(p.numel() for p in conv.parameters()),
        sum(p.numel() for p in dense.parameters()),
    )
    assert reference_parameter_counts(c_in, c_out, kernel, size, stride, padding) == expected


def test_detection_auc_reference_agrees_with_scikit_learn():
    from sklearn.metrics import roc_auc_score

    gen = torch.Generator().manual_seed(0)
    normal, anomaly = torch.randn(50, generator=gen), 1 + torch.randn(30, generator=gen)
    normal[:5] = anomaly[:5]  # some ties, which count one half
    labels = np.r_[np.zeros(50), np.ones(30)]
    expected = roc_auc_score(labels, np.r_[normal.numpy(), anomaly.numpy()])
    assert reference_detection_auc(normal.numpy(), anomaly.numpy()) == pytest.approx(expected)


def test_thresholded_auc_is_the_area_under_one_corner():
    """The solution's claim: decisions at one threshold give (1 + TPR - FPR) / 2."""
    gen = torch.Generator().manual_seed(1)
    normal, anomaly = torch.randn(80, generator=gen), 1 + torch.randn(40, generator=gen)
    threshold = torch.cat([normal, anomaly]).median()
    tpr, fpr = (anomaly > threshold).double().mean(), (normal > threshold).double().mean()
    got = thresholded_detection_auc(normal, anomaly)
    assert got == pytest.approx(((1 + tpr - fpr) / 2).item())
    assert got < reference_detection_auc(normal.numpy(), anomaly.numpy())


# --- the checks pass the solutions and fail wrong answers ---------------------------------------


def derived_parameter_counts(c_in, c_out, kernel, size, stride, padding):
    """The notebook's solution."""
    conv = c_out * (c_in * kernel**2 + 1)
    side = (size + 2 * padding - kernel) // stride + 1
    return conv, c_out * side**2 * (c_in * size**2 + 1)


def test_check_parameter_counts(assert_passes, assert_fails):
    check_parameter_counts.failures = 0
    assert_fails(check_parameter_counts, stub, "your answer is None", "Hint 1 of 2")
    assert_passes(check_parameter_counts, derived_parameter_counts, "correct on 6 test cases")
    assert_passes(check_parameter_counts, reference_parameter_counts)

    def no_dense_bias(c_in, c_out, kernel, size, stride, padding):
        conv, _ = derived_parameter_counts(c_in, c_out, kernel, size, stride, padding)
        side = (size + 2 * padding - kernel) // stride + 1
        return conv, c_out * side**2 * c_in * size**2

    def no_padding(c_in, c_out, kernel, size, stride, padding):
        return derived_parameter_counts(c_in, c_out, kernel, size, stride, 0)

    for wrong in (no_dense_bias, no_padding, lambda *a: 1 / 0):
        assert_fails(check_parameter_counts, wrong, "test case")


def thresholded_detection_auc(normal_scores, anomaly_scores):
    """The stub of the debug exercise: decisions at the median score, not the scores."""
    from sklearn.metrics import roc_auc_score

    scores = torch.cat([normal_scores, anomaly_scores])
    is_anomaly = torch.cat([torch.zeros(len(normal_scores)), torch.ones(len(anomaly_scores))])
    flagged = scores > scores.median()
    return roc_auc_score(is_anomaly.numpy(), flagged.numpy())


def swapped_detection_auc(normal_scores, anomaly_scores):
    """Another mistake: the normal inputs labelled as positives."""
    from sklearn.metrics import roc_auc_score

    both = torch.cat([normal_scores, anomaly_scores])
    labels = torch.cat([torch.ones(len(normal_scores)), torch.zeros(len(anomaly_scores))])
    return roc_auc_score(labels.numpy(), both.numpy())


def fixed_detection_auc(normal_scores, anomaly_scores):
    """The notebook's solution."""
    from sklearn.metrics import roc_auc_score

    scores = torch.cat([normal_scores, anomaly_scores])
    is_anomaly = torch.cat([torch.zeros(len(normal_scores)), torch.ones(len(anomaly_scores))])
    return roc_auc_score(is_anomaly.numpy(), scores.numpy())


def test_check_detection_auc(assert_passes, assert_fails):
    check_detection_auc.failures = 0
    assert_fails(check_detection_auc, thresholded_detection_auc, "(3.2), is", "Hint 1 of 2")
    assert_fails(check_detection_auc, thresholded_detection_auc, "Hint 2 of 2")
    assert_passes(check_detection_auc, fixed_detection_auc, "agrees with (3.2)")
    assert_fails(check_detection_auc, swapped_detection_auc, "below 0.5", "positives")
    assert_fails(check_detection_auc, lambda n, a: -fixed_detection_auc(n, a) + 1, "below 0.5")
    assert_fails(check_detection_auc, stub, "returned None")
    assert_fails(check_detection_auc, lambda n, a: 0.5, "share of (anomaly, normal) pairs")
    assert_fails(check_detection_auc, lambda n, a: "high", "not a number")
    assert_fails(check_detection_auc, lambda n, a: n.foo, "raised AttributeError")
    assert_fails(check_detection_auc, 3, "expected a function")


def test_check_false_alarm_threshold(assert_passes, assert_fails):
    gen = torch.Generator().manual_seed(0)
    normal = 10 + 3 * torch.randn(900, generator=gen)  # normal test scores
    anomaly = 20 + 5 * torch.randn(100, generator=gen)
    val = 10 + 3 * torch.randn(400, generator=gen)  # normal validation scores

    def check(threshold):
        return check_false_alarm_threshold(threshold, normal, anomaly)

    check_false_alarm_threshold.failures = 0
    assert_fails(check, None, "set my_threshold", "after your first attempt")  # no hint yet
    assert_fails(check, "10", "not a number", "Hint 1 of 2")
    assert_passes(check, torch.quantile(val, 0.95).item(), "of the normal test digits flagged")
    assert_passes(check, torch.quantile(val, 0.95), "anomalies caught")  # a 0-d tensor
    assert_fails(check, torch.quantile(val, 0.5).item(), "too many false alarms")
    assert_fails(check, 100.0, "set too high")
    assert_fails(check, "10", "not a number")
    assert_fails(check, float("nan"), "finite")


@pytest.fixture(scope="module")
def digits():
    return load_mnist()


def test_check_ones_auc_prediction_trains_and_compares(assert_passes, assert_fails, digits):
    set_seed(0)  # one thread: the training takes seconds
    measured = work.measure_ones_auc(digits)
    assert measured < 0.6  # the 1s rebuild well: no better than chance
    assert work.measure_ones_auc(digits) == measured  # seeded
    check_ones_auc_prediction.failures = 0
    assert_passes(
        lambda p: check_ones_auc_prediction(p, digits), 0.45, "the experiment gave", "least ink"
    )
    assert_fails(lambda p: check_ones_auc_prediction(p, digits), 0.95, "too high")
    assert_fails(lambda p: check_ones_auc_prediction(p, digits), measured + 0.2, "too high")
    assert_fails(lambda p: check_ones_auc_prediction(p, digits), measured - 0.2, "too low")


def test_check_ones_auc_prediction_messages(assert_fails, digits, monkeypatch):
    monkeypatch.setattr(work, "measure_ones_auc", lambda digits: 0.75)
    check = check_ones_auc_prediction
    check.failures = 0
    assert_fails(lambda p: check(p, digits), None, "write your prediction", "first attempt")
    assert_fails(lambda p: check(p, digits), True, "Hint 1 of 2")
    assert_fails(lambda p: check(p, digits), "0.5", "Hint 2 of 2")
    assert_fails(lambda p: check(p, digits), 1.5, "an AUC lies in [0, 1]")
    assert_fails(lambda p: check(p, digits), np.float64(0.2), "too low", "more often than not")
    assert_fails(lambda p: check_ones_auc_prediction(p, "digits"), 0.5, "pass the chapter's digits")
