"""A probe of the public API with bad inputs.

The rule: bad input to the public API gets a clear error (TypeError, ValueError,
FileNotFoundError or FloatingPointError) whose message names the argument the user
passed, never a silent wrong result (NaN, an empty output, a result computed on
garbage), never a hang, never a raw error from deep inside torch, numpy or matplotlib.

Each case in ``BAD`` is a call, the error a good API should raise, and the words its
message must contain (usually the argument's name). A fragment must appear as a whole
word: "x" is not found in "x_hat" or in "max". ``ACCEPTED`` lists calls that must work,
e.g. NumPy integers where an int belongs.
"""

from __future__ import annotations

import atexit
import gzip
import os
import random
import re
import shutil
import struct
import tempfile
import threading
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from aecourse import (
    data,
    diagnostics,
    estimators,
    gaussian,
    gradients,
    losses,
    lvm,
    models,
    objectives,
    pca,
    plotting,
    runtime,
    training,
    verdicts,
    widgets,
)

NAN, INF = float("nan"), float("inf")
TMP = Path(tempfile.mkdtemp(prefix="aecourse-bad-inputs-"))
atexit.register(shutil.rmtree, TMP, ignore_errors=True)

# --- small fixtures, built once (the global random state is left as it was) ------------

with torch.random.fork_rng(devices=[]):
    torch.manual_seed(0)
    X = torch.rand(5, 4)  # (B, D) = (5, 4), values in [0, 1)
    X2 = torch.randn(5, 2)  # 2-D points
    V2 = torch.randn(5, 2)
    EPS = torch.randn(5, 4)
    MU = torch.zeros(5, 2)
    LOGVAR = torch.zeros(5, 2)
    AE = models.Autoencoder(4, 2)
    AE2 = models.Autoencoder(2, 1)
    SPARSE_AE = models.Autoencoder(4, 3, code_activation="sigmoid")
    VAE_B = models.VAE(4, 2, hidden=(3,))
    VAE_G = models.VAE(4, 2, hidden=(3,), likelihood="gaussian")
    VAE_3 = models.VAE(4, 3, hidden=(3,))
    TIED = models.TiedAutoencoder(4, 3)
    W64 = torch.randn(4, 2, dtype=torch.float64)
    B64 = torch.zeros(4, dtype=torch.float64)
    X64 = torch.randn(5, 4, dtype=torch.float64)
    Z64 = torch.randn(5, 2, dtype=torch.float64)
    MU64 = torch.zeros(5, 2, dtype=torch.float64)
    LVM = lvm.LinearGaussianLVM(W64, B64, 0.5)
    LVAE = models.LinearVAE(4, 2)
    PCA = pca.fit_pca(X, 2)
    MU3 = torch.zeros(3)
    STD3 = torch.ones(3)
    L3 = torch.eye(3)
    THETA = torch.linspace(0.0, 6.0, 7)
    EST = torch.randn(4, 3)
    LOG_W = torch.randn(6, 5)
    OUT_B = VAE_B(X)  # a VAEOutput with Bernoulli logits
    OUT_G = VAE_G(X)  # a VAEOutput with a Gaussian mean
HISTORY = training.History(train={"loss": [1.0, 0.5]}, test={"loss": [1.1, 0.6]})
Y_LABELS = np.array([0, 0, 1, 1, 0, 1, 0, 1, 0, 1])


def with_nan(t: torch.Tensor) -> torch.Tensor:
    """A copy of ``t`` whose first entry is NaN."""
    t = t.clone()
    t.view(-1)[0] = NAN
    return t


def with_inf(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    t.view(-1)[0] = INF
    return t


def mse(model, x):
    return losses.squared_error(model(x), x)


def square(z):
    return z.pow(2).sum(-1)


def log_px_fn(z):  # (S, B, K) -> (S, B)
    return -z.pow(2).sum(-1)


def fresh_ae():
    return models.Autoencoder(4, 2)


# --- files for the IDX reader ------------------------------------------------------------


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def a_file(name: str, content: bytes, gz: bool = False) -> Path:
    path = TMP / name
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


def idx_root_with_mismatched_labels() -> Path:
    """An mnist folder whose training labels are one fewer than its training images."""
    root = TMP / "mismatch"
    folder = root / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "train-images-idx3-ubyte.gz": np.zeros((3, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.zeros(2),
        "t10k-images-idx3-ubyte.gz": np.zeros((1, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.zeros(1),
    }
    for name, array in files.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array)))
    return root


def read_idx_of_a_fifo(seconds: float = 1.0):
    """read_idx on a named pipe with no writer, in a thread: raise TimeoutError if it hangs."""
    path = TMP / "a-fifo"
    if not path.exists():
        os.mkfifo(path)
    outcome = {}

    def target():
        try:
            data.read_idx(path)
        except BaseException as err:  # handed to the caller below
            outcome["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        try:  # open and close the write end, so that the blocked reader sees EOF
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        thread.join(seconds)
        raise TimeoutError(f"read_idx(path) blocked for {seconds} s on a FIFO (it hangs)")
    if "error" in outcome:
        raise outcome["error"]


def case(call, error, fragments, id):
    """A bad call, the error a good API raises, and the words its message must hold."""
    return pytest.param(call, error, fragments, id=id)


def good(call, id):
    """A call that must work."""
    return pytest.param(call, id=id)


TV = (TypeError, ValueError)  # either is clear for a non-str where a name belongs
IN_DIM = ("data_dim",)  # a tuple of fragments: the message names one of them

# fmt: off
BAD = [
    # --- aecourse.runtime ------------------------------------------------------------
    case(lambda: runtime.set_seed("1"), TypeError, ("seed",), "runtime.set_seed-str"),
    case(lambda: runtime.set_seed(1.5), TypeError, ("seed",), "runtime.set_seed-float"),
    case(lambda: runtime.set_seed(True), TypeError, ("seed",), "runtime.set_seed-bool"),
    case(lambda: runtime.set_seed(None), TypeError, ("seed",), "runtime.set_seed-None"),
    case(lambda: runtime.set_seed(-1), ValueError, ("seed",), "runtime.set_seed-negative"),
    case(lambda: runtime.set_seed(2**32), ValueError, ("seed",), "runtime.set_seed-too-large"),
    case(lambda: runtime.use_threads(0), ValueError, ("threads",), "runtime.use_threads-zero"),
    case(lambda: runtime.use_threads(-2), ValueError, ("threads",), "runtime.use_threads-negative"),
    case(lambda: runtime.use_threads("2"), TypeError, ("threads",), "runtime.use_threads-str"),
    case(lambda: runtime.use_threads(2.0), TypeError, ("threads",), "runtime.use_threads-float"),
    case(lambda: runtime.use_threads(True), TypeError, ("threads",), "runtime.use_threads-bool"),
    case(lambda: runtime.get_device("gpu"), ValueError, ("prefer",), "runtime.get_device-unknown"),
    case(lambda: runtime.get_device("CPU"), ValueError, ("prefer",), "runtime.get_device-uppercase"),
    case(lambda: runtime.get_device(3), TV, ("prefer",), "runtime.get_device-int"),
    case(lambda: runtime.get_device(["cpu"]), TV, ("prefer",), "runtime.get_device-list"),

    # --- aecourse.data ---------------------------------------------------------------
    case(lambda: data.load_dataset(3), TypeError, ("name",), "data.load_dataset-int"),
    case(lambda: data.load_dataset(None), TypeError, ("name",), "data.load_dataset-None"),
    case(lambda: data.load_dataset("mnist_small"), ValueError, ("name",), "data.load_dataset-unknown"),
    case(lambda: data.load_dataset("moons", n_sample=100), TypeError, ("n_sample",), "data.load_dataset-unknown-kwarg"),
    case(lambda: data.load_moons(n_samples=5), ValueError, ("n_samples",), "data.load_moons-n_samples-too-small"),
    case(lambda: data.load_moons(n_samples=100.0), TypeError, ("n_samples",), "data.load_moons-n_samples-float"),
    case(lambda: data.load_moons(n_samples=True), TypeError, ("n_samples",), "data.load_moons-n_samples-bool"),
    case(lambda: data.load_moons(n_samples="100"), TypeError, ("n_samples",), "data.load_moons-n_samples-str"),
    case(lambda: data.load_moons(noise=-0.1), ValueError, ("noise",), "data.load_moons-noise-negative"),
    case(lambda: data.load_moons(noise=NAN), ValueError, ("noise",), "data.load_moons-noise-nan"),
    case(lambda: data.load_moons(noise=INF), ValueError, ("noise",), "data.load_moons-noise-inf"),
    case(lambda: data.load_moons(noise="0.1"), TypeError, ("noise",), "data.load_moons-noise-str"),
    case(lambda: data.load_moons(test_fraction=0), ValueError, ("test_fraction",), "data.load_moons-test_fraction-zero"),
    case(lambda: data.load_moons(test_fraction=1.5), ValueError, ("test_fraction",), "data.load_moons-test_fraction-above-1"),
    case(lambda: data.load_moons(test_fraction=NAN), ValueError, ("test_fraction",), "data.load_moons-test_fraction-nan"),
    case(lambda: data.load_moons(test_fraction="0.2"), TypeError, ("test_fraction",), "data.load_moons-test_fraction-str"),
    case(lambda: data.load_moons(seed=-1), ValueError, ("seed",), "data.load_moons-seed-negative"),
    case(lambda: data.load_moons(seed=1.5), TypeError, ("seed",), "data.load_moons-seed-float"),
    case(lambda: data.load_moons(seed=None), TypeError, ("seed",), "data.load_moons-seed-None"),
    case(lambda: data.load_moons(standardize="no"), TypeError, ("standardize",), "data.load_moons-standardize-str"),
    case(lambda: data.load_digits8x8(test_fraction=0), ValueError, ("test_fraction",), "data.load_digits8x8-test_fraction-zero"),
    case(lambda: data.load_digits8x8(test_fraction=1e-4), ValueError, ("test_fraction",), "data.load_digits8x8-empty-test-set"),
    case(lambda: data.load_digits8x8(seed=-1), ValueError, ("seed",), "data.load_digits8x8-seed-negative"),
    case(lambda: data.load_digits8x8(seed="a"), TypeError, ("seed",), "data.load_digits8x8-seed-str"),
    case(lambda: data.load_mnist_small(test_fraction=1), ValueError, ("test_fraction",), "data.load_mnist_small-test_fraction-one"),
    case(lambda: data.load_mnist_small(test_fraction=0.9999), ValueError, ("test_fraction",), "data.load_mnist_small-empty-train-set"),
    case(lambda: data.read_idx(TMP / "missing.idx"), FileNotFoundError, ("missing.idx",), "data.read_idx-missing"),
    case(lambda: data.read_idx(123), TypeError, ("path",), "data.read_idx-int"),
    case(lambda: data.read_idx(None), TypeError, ("path",), "data.read_idx-None"),
    case(lambda: data.read_idx(TMP), (ValueError, FileNotFoundError, IsADirectoryError), ("directory",), "data.read_idx-directory"),
    case(lambda: data.read_idx(a_file("empty.idx", b"")), ValueError, ("IDX",), "data.read_idx-empty-file"),
    case(lambda: data.read_idx(a_file("magic.idx", b"\x01\x02\x08\x01abcd")), ValueError, ("IDX",), "data.read_idx-bad-magic"),
    case(lambda: data.read_idx(a_file("code.idx", b"\x00\x00\x07\x01\x00\x00\x00\x01a")), ValueError, ("type",), "data.read_idx-unknown-type-code"),
    case(lambda: data.read_idx(a_file("header.idx", b"\x00\x00\x08\x03\x00\x00")), ValueError, ("truncated",), "data.read_idx-truncated-header"),
    case(lambda: data.read_idx(a_file("short.idx", idx_bytes(np.zeros((2, 3)))[:-1])), ValueError, ("bytes",), "data.read_idx-short-data"),
    case(lambda: data.read_idx(a_file("notgz.idx.gz", idx_bytes(np.zeros(3)))), ValueError, ("notgz.idx.gz",), "data.read_idx-gz-that-is-not-gzip"),
    case(lambda: data.read_idx(a_file("cut.idx.gz", gzip.compress(idx_bytes(np.zeros(300)))[:20])), ValueError, ("cut.idx.gz",), "data.read_idx-truncated-gzip"),
    case(read_idx_of_a_fifo, ValueError, ("a-fifo",), "data.read_idx-fifo-no-hang"),
    case(lambda: data.load_idx_dataset("emnist"), ValueError, ("name",), "data.load_idx_dataset-unknown-name"),
    case(lambda: data.load_idx_dataset(3), TV, ("name",), "data.load_idx_dataset-int-name"),
    case(lambda: data.load_idx_dataset(["mnist"]), TV, ("name",), "data.load_idx_dataset-list-name"),
    case(lambda: data.load_idx_dataset("mnist", root=TMP / "nothing"), FileNotFoundError, ("download=True",), "data.load_idx_dataset-missing-files"),
    case(lambda: data.load_idx_dataset("mnist", root=123), TypeError, ("root",), "data.load_idx_dataset-root-int"),
    case(lambda: data.load_idx_dataset("mnist", root=idx_root_with_mismatched_labels()), ValueError, ("labels",), "data.load_idx_dataset-labels-images-mismatch"),
    case(lambda: data.download_idx("kmnist", TMP), ValueError, ("name",), "data.download_idx-unknown-name"),
    case(lambda: data.download_idx("mnist", 123), TypeError, ("root",), "data.download_idx-root-int"),
    case(lambda: data.download_idx("mnist", TMP / "dl", url=3), TypeError, ("url",), "data.download_idx-url-int"),
    case(lambda: data.stratified_split(Y_LABELS, 0, 0), ValueError, ("test_fraction",), "data.stratified_split-test_fraction-zero"),
    case(lambda: data.stratified_split(Y_LABELS, 0.2, -1), ValueError, ("seed",), "data.stratified_split-seed-negative"),
    case(lambda: data.stratified_split(Y_LABELS, 0.2, 1.5), TypeError, ("seed",), "data.stratified_split-seed-float"),
    case(lambda: data.stratified_split(np.array([], dtype=int), 0.2, 0), ValueError, ("y",), "data.stratified_split-empty-y"),
    case(lambda: data.stratified_split(Y_LABELS.reshape(2, 5), 0.2, 0), ValueError, ("y",), "data.stratified_split-2d-y"),
    case(lambda: data.stratified_split(np.array([0, 1, 2]), 0.2, 0), ValueError, ("test_fraction",), "data.stratified_split-empty-test-part"),
    case(lambda: data.Dataset("d", "x", torch.zeros(5), X, torch.zeros(5)), TypeError, ("x_train",), "data.Dataset-x_train-str"),
    case(lambda: data.Dataset("d", X, torch.zeros(4), X, torch.zeros(5)), ValueError, ("y_train",), "data.Dataset-y_train-length"),
    case(lambda: data.Dataset("d", X, torch.zeros(5), X[:, :3], torch.zeros(5)), ValueError, ("x_test",), "data.Dataset-x_test-width"),
    case(lambda: data.Dataset("d", torch.zeros(5), torch.zeros(5), X, torch.zeros(5)), ValueError, ("x_train",), "data.Dataset-x_train-1d"),
    case(lambda: data.Dataset("d", X, torch.zeros(5), X, torch.zeros(5)).to("nonsense"), ValueError, ("device",), "data.Dataset.to-bad-device"),

    # --- aecourse.models -------------------------------------------------------------
    case(lambda: models.make_activation("gelu"), ValueError, ("activation",), "models.make_activation-unknown"),
    case(lambda: models.make_activation("ReLU"), ValueError, ("activation",), "models.make_activation-case"),
    case(lambda: models.make_activation(3), TV, ("activation",), "models.make_activation-int"),
    case(lambda: models.make_activation(["relu"]), TV, ("activation",), "models.make_activation-list"),
    case(lambda: models.mlp([4]), ValueError, ("widths",), "models.mlp-one-width"),
    case(lambda: models.mlp([4, 0]), ValueError, ("widths",), "models.mlp-zero-width"),
    case(lambda: models.mlp([4, -1]), ValueError, ("widths",), "models.mlp-negative-width"),
    case(lambda: models.mlp([4, 2.0]), TypeError, ("widths",), "models.mlp-float-width"),
    case(lambda: models.mlp([4, True]), TypeError, ("widths",), "models.mlp-bool-width"),
    case(lambda: models.mlp(4), TypeError, ("widths",), "models.mlp-int-widths"),
    case(lambda: models.mlp([4, 2], activation="swish"), ValueError, ("activation",), "models.mlp-unknown-activation"),
    case(lambda: models.mlp([4, 2], out_activation="soft"), ValueError, ("activation",), "models.mlp-unknown-out_activation"),
    case(lambda: models.Autoencoder(0, 2), ValueError, (IN_DIM,), "models.Autoencoder-data_dim-zero"),
    case(lambda: models.Autoencoder(4, 0), ValueError, ("code_dim",), "models.Autoencoder-code_dim-zero"),
    case(lambda: models.Autoencoder(4.0, 2), TypeError, (IN_DIM,), "models.Autoencoder-data_dim-float"),
    case(lambda: models.Autoencoder("4", 2), TypeError, (IN_DIM,), "models.Autoencoder-data_dim-str"),
    case(lambda: models.Autoencoder(4, True), TypeError, ("code_dim",), "models.Autoencoder-code_dim-bool"),
    case(lambda: models.Autoencoder(4, 2, hidden=3), TypeError, ("hidden",), "models.Autoencoder-hidden-int"),
    case(lambda: models.Autoencoder(4, 2, hidden=(0,)), ValueError, ("hidden",), "models.Autoencoder-hidden-zero"),
    case(lambda: models.Autoencoder(4, 2, activation="gelu"), ValueError, ("activation",), "models.Autoencoder-unknown-activation"),
    case(lambda: AE("x"), TypeError, ("x",), "models.Autoencoder.forward-str"),
    case(lambda: AE(X.numpy()), TypeError, ("x",), "models.Autoencoder.forward-numpy"),
    case(lambda: AE(X[:, :3]), ValueError, ("x",), "models.Autoencoder.forward-wrong-width"),
    case(lambda: AE(X[0]), ValueError, ("x",), "models.Autoencoder.forward-1d"),
    case(lambda: AE(X.double()), TypeError, ("x",), "models.Autoencoder.forward-float64"),
    case(lambda: AE(torch.zeros(5, 4, dtype=torch.int64)), TypeError, ("x",), "models.Autoencoder.forward-int"),
    case(lambda: AE(torch.zeros(0, 4)), ValueError, ("x",), "models.Autoencoder.forward-empty-rows"),
    case(lambda: AE(torch.zeros(5, 0)), ValueError, ("x",), "models.Autoencoder.forward-empty-columns"),
    case(lambda: AE.encode(with_nan(X)), ValueError, ("x",), "models.Autoencoder.encode-nan"),
    case(lambda: AE.decode(torch.zeros(5, 3)), ValueError, ("h",), "models.Autoencoder.decode-wrong-width"),
    case(lambda: AE.decode(torch.zeros(5, 2, dtype=torch.float64)), TypeError, ("h",), "models.Autoencoder.decode-float64"),

    # --- aecourse.losses -------------------------------------------------------------
    case(lambda: losses.squared_error(X, X[:, :3]), ValueError, ("x_hat",), "losses.squared_error-shape-mismatch"),
    case(lambda: losses.squared_error([[1.0]], X), TypeError, ("x_hat",), "losses.squared_error-list"),
    case(lambda: losses.squared_error(X[0], X[0]), ValueError, ("x_hat",), "losses.squared_error-1d"),
    case(lambda: losses.squared_error(X, with_nan(X)), ValueError, ("x",), "losses.squared_error-nan-x"),
    case(lambda: losses.squared_error(with_nan(X), X), ValueError, ("x_hat",), "losses.squared_error-nan-x_hat"),
    case(lambda: losses.squared_error(X.long(), X.long()), TypeError, ("x_hat",), "losses.squared_error-int"),
    case(lambda: losses.squared_error(torch.zeros(0, 4), torch.zeros(0, 4)), ValueError, ("x_hat",), "losses.squared_error-empty"),
    case(lambda: gaussian.kl_normal_std_normal(MU, torch.zeros(5, 3)), ValueError, ("logvar",), "gaussian.kl_normal_std_normal-shape-mismatch"),
    case(lambda: gaussian.kl_normal_std_normal(torch.tensor(0.0), torch.tensor(0.0)), ValueError, ("mu",), "gaussian.kl_normal_std_normal-scalar"),
    case(lambda: gaussian.kl_normal_std_normal(MU, with_nan(LOGVAR)), ValueError, ("logvar",), "gaussian.kl_normal_std_normal-nan"),
    case(lambda: gaussian.kl_normal_std_normal("mu", LOGVAR), TypeError, ("mu",), "gaussian.kl_normal_std_normal-str"),
    case(lambda: gaussian.kl_normal_std_normal(MU.long(), LOGVAR.long()), TypeError, ("mu",), "gaussian.kl_normal_std_normal-int"),
    # logvar = 100 is a valid input whose KL overflows float32 to inf: fit reports an
    # infinite loss term (FloatingPointError, tested in test_training), so it is not refused here
    case(lambda: losses.bernoulli_log_likelihood(X, X[:, :3]), ValueError, ("x_logits",), "losses.bernoulli_log_likelihood-shape-mismatch"),
    case(lambda: losses.bernoulli_log_likelihood(X + 1.0, X), ValueError, ("x", "[0, 1]"), "losses.bernoulli_log_likelihood-x-above-1"),
    case(lambda: losses.bernoulli_log_likelihood(-X - 0.5, X), ValueError, ("x", "[0, 1]"), "losses.bernoulli_log_likelihood-x-negative"),
    case(lambda: losses.bernoulli_log_likelihood(X, with_nan(X)), ValueError, ("x_logits",), "losses.bernoulli_log_likelihood-nan-logits"),
    case(lambda: losses.bernoulli_log_likelihood(X[0], X[0]), ValueError, ("x",), "losses.bernoulli_log_likelihood-1d"),
    case(lambda: losses.bernoulli_log_likelihood(X.round().long(), X), TypeError, ("x",), "losses.bernoulli_log_likelihood-int-x"),
    case(lambda: losses.bernoulli_log_likelihood(X, X.numpy()), TypeError, ("x_logits",), "losses.bernoulli_log_likelihood-numpy-logits"),
    case(lambda: losses.gaussian_log_likelihood(X, X, 0.0), ValueError, ("s",), "losses.gaussian_log_likelihood-s-zero"),
    case(lambda: losses.gaussian_log_likelihood(X, X, -1.0), ValueError, ("s",), "losses.gaussian_log_likelihood-s-negative"),
    case(lambda: losses.gaussian_log_likelihood(X, X, NAN), ValueError, ("s",), "losses.gaussian_log_likelihood-s-nan"),
    case(lambda: losses.gaussian_log_likelihood(X, X, "1"), TypeError, ("s",), "losses.gaussian_log_likelihood-s-str"),
    case(lambda: losses.gaussian_log_likelihood(X, X, None), TypeError, ("s",), "losses.gaussian_log_likelihood-s-None"),
    case(lambda: losses.gaussian_log_likelihood(X, X, 1e-30), (ValueError, FloatingPointError), ("s",), "losses.gaussian_log_likelihood-s-underflows"),
    case(lambda: losses.gaussian_log_likelihood(X, X[:3], 1.0), ValueError, ("x_hat",), "losses.gaussian_log_likelihood-shape-mismatch"),
    case(lambda: losses.log_px_given_z(X), ValueError, ("x_logits", "x_hat"), "losses.log_px_given_z-neither"),
    case(lambda: losses.log_px_given_z(X, x_logits=X, x_hat=X), ValueError, ("x_logits", "x_hat"), "losses.log_px_given_z-both"),
    case(lambda: losses.log_px_given_z(X, x_logits=X, s=1.0), ValueError, ("s",), "losses.log_px_given_z-s-with-logits"),
    case(lambda: losses.log_px_given_z(X, x_hat=X), ValueError, ("s",), "losses.log_px_given_z-gaussian-without-s"),
    case(lambda: losses.elbo(X, None), TypeError, ("out",), "losses.elbo-out-None"),
    case(lambda: losses.elbo(X, {"mu": MU, "logvar": LOGVAR, "x_logits": X}), TypeError, ("out",), "losses.elbo-out-dict"),
    case(lambda: losses.elbo(X, models.VAEOutput(z=MU[:2], mu=MU[:2], logvar=LOGVAR[:2], x_logits=X)), ValueError, ("mu",), "losses.elbo-batch-mismatch"),
    case(lambda: losses.elbo(X, OUT_G), ValueError, ("s",), "losses.elbo-gaussian-without-s"),
    case(lambda: losses.elbo(X, OUT_B, s=1.0), ValueError, ("s",), "losses.elbo-bernoulli-with-s"),
    case(lambda: losses.elbo(X, models.VAEOutput(z=MU, mu=MU, logvar=LOGVAR, x_logits=X.expand(3, 5, 4))), ValueError, ("iwae_bound",), "losses.elbo-several-samples"),
    case(lambda: estimators.importance_log_weights(VAE_B, X, 0), ValueError, ("num_samples",), "estimators.importance_log_weights-zero-samples"),
    case(lambda: estimators.importance_log_weights(VAE_B, X, 2.5), TypeError, ("num_samples",), "estimators.importance_log_weights-float-samples"),
    case(lambda: estimators.importance_log_weights(VAE_B, X, True), TypeError, ("num_samples",), "estimators.importance_log_weights-bool-samples"),
    case(lambda: estimators.importance_log_weights(VAE_B, X[:, :3], 2), ValueError, ("x",), "estimators.importance_log_weights-wrong-width"),
    case(lambda: estimators.importance_log_weights(VAE_B, X, 2, chunk_size=0), ValueError, ("chunk_size",), "estimators.importance_log_weights-chunk_size-zero"),
    case(lambda: estimators.importance_log_weights(VAE_G, X, 2), ValueError, ("s",), "estimators.importance_log_weights-gaussian-without-s"),
    case(lambda: estimators.importance_log_weights(AE, X, 2), TypeError, ("model",), "estimators.importance_log_weights-autoencoder"),
    case(lambda: estimators.importance_log_weights("model", X, 2), TypeError, ("model",), "estimators.importance_log_weights-str-model"),
    case(lambda: estimators.importance_log_weights(VAE_B, X.double(), 2), TypeError, ("x",), "estimators.importance_log_weights-float64"),
    case(lambda: estimators.importance_log_weights(VAE_B, X + 1.0, 2), ValueError, ("x", "[0, 1]"), "estimators.importance_log_weights-x-above-1"),
    case(lambda: estimators.log_mean_exp(torch.tensor(1.0)), ValueError, ("log_w",), "estimators.log_mean_exp-scalar"),
    case(lambda: estimators.log_mean_exp(LOG_W, dim=2), ValueError, ("dim",), "estimators.log_mean_exp-dim-out-of-range"),
    case(lambda: estimators.log_mean_exp(LOG_W, dim=1.0), TypeError, ("dim",), "estimators.log_mean_exp-dim-float"),
    case(lambda: estimators.log_mean_exp(LOG_W, dim="0"), TypeError, ("dim",), "estimators.log_mean_exp-dim-str"),
    case(lambda: estimators.log_mean_exp(with_nan(LOG_W)), ValueError, ("log_w",), "estimators.log_mean_exp-nan"),
    case(lambda: estimators.log_mean_exp(with_inf(LOG_W)), ValueError, ("log_w",), "estimators.log_mean_exp-posinf"),
    case(lambda: estimators.log_mean_exp(torch.zeros(0, 3)), ValueError, ("log_w",), "estimators.log_mean_exp-empty"),
    case(lambda: estimators.log_mean_exp(LOG_W.long()), TypeError, ("log_w",), "estimators.log_mean_exp-int"),
    case(lambda: estimators.log_mean_exp(LOG_W.numpy()), TypeError, ("log_w",), "estimators.log_mean_exp-numpy"),
    case(lambda: estimators.iwae_bound(VAE_B, X, 0), ValueError, ("num_samples",), "estimators.iwae_bound-zero-samples"),
    case(lambda: estimators.iwae_bound(VAE_B, X, 3, s=1.0), ValueError, ("s",), "estimators.iwae_bound-bernoulli-with-s"),
    case(lambda: estimators.iwae_bound(VAE_B, [[0.0] * 4], 3), TypeError, ("x",), "estimators.iwae_bound-list-x"),
    case(lambda: estimators.naive_log_px(VAE_B, X, -1), ValueError, ("num_samples",), "estimators.naive_log_px-negative-samples"),
    case(lambda: estimators.naive_log_px(AE, X, 2), TV, ("model",), "estimators.naive_log_px-autoencoder"),
    case(lambda: estimators.naive_log_px(VAE_B, X.double(), 2), TypeError, ("x",), "estimators.naive_log_px-float64"),
    case(lambda: estimators.naive_log_px(VAE_B, X + 1.0, 2), ValueError, ("x",), "estimators.naive_log_px-x-above-1"),
    case(lambda: estimators.naive_log_px(VAE_G, X, 2), ValueError, ("s",), "estimators.naive_log_px-gaussian-without-s"),

    # --- aecourse.training -----------------------------------------------------------
    case(lambda: training.fit("model", X, mse, progress=False), TypeError, ("model",), "training.fit-model-str"),
    case(lambda: training.fit(nn.Identity(), X, mse, progress=False), ValueError, ("model",), "training.fit-model-without-parameters"),
    case(lambda: training.fit(fresh_ae(), X.numpy(), mse, progress=False), TypeError, ("x_train",), "training.fit-x_train-numpy"),
    case(lambda: training.fit(fresh_ae(), X[:, :3], mse, progress=False), ValueError, ("x_train",), "training.fit-x_train-wrong-width"),
    case(lambda: training.fit(fresh_ae(), X.double(), mse, progress=False), TypeError, ("x_train",), "training.fit-x_train-float64"),
    case(lambda: training.fit(fresh_ae(), X.long(), mse, progress=False), TypeError, ("x_train",), "training.fit-x_train-int"),
    case(lambda: training.fit(fresh_ae(), torch.zeros(0, 4), mse, progress=False), ValueError, ("x_train",), "training.fit-x_train-empty"),
    case(lambda: training.fit(fresh_ae(), with_nan(X), mse, progress=False), ValueError, ("x_train",), "training.fit-x_train-nan"),
    case(lambda: training.fit(fresh_ae(), X[0], mse, progress=False), ValueError, ("x_train",), "training.fit-x_train-1d"),
    case(lambda: training.fit(fresh_ae(), X, "mse", progress=False), TypeError, ("loss_fn",), "training.fit-loss_fn-str"),
    case(lambda: training.fit(fresh_ae(), X, lambda model: model, progress=False), TypeError, ("loss_fn",), "training.fit-loss_fn-one-argument"),
    case(lambda: training.fit(fresh_ae(), X, lambda m, x: mse(m, x).mean(), progress=False), ValueError, ("loss_fn",), "training.fit-loss_fn-returns-scalar"),
    case(lambda: training.fit(fresh_ae(), X, lambda m, x: {"recon": mse(m, x)}, progress=False), ValueError, ("loss",), "training.fit-loss_fn-dict-without-loss"),
    case(lambda: training.fit(fresh_ae(), X, lambda m, x: mse(m, x).detach(), progress=False), ValueError, ("requires_grad",), "training.fit-loss_fn-detached"),
    case(lambda: training.fit(fresh_ae(), X, lambda m, x: mse(m, x).long(), progress=False), TypeError, ("loss_fn",), "training.fit-loss_fn-int"),
    case(lambda: training.fit(fresh_ae(), X, lambda m, x: mse(m, x) * NAN, progress=False), FloatingPointError, ("loss",), "training.fit-loss-nan"),
    case(lambda: training.fit(fresh_ae(), X, mse, epochs=0, progress=False), ValueError, ("epochs",), "training.fit-epochs-zero"),
    case(lambda: training.fit(fresh_ae(), X, mse, epochs=2.0, progress=False), TypeError, ("epochs",), "training.fit-epochs-float"),
    case(lambda: training.fit(fresh_ae(), X, mse, epochs=True, progress=False), TypeError, ("epochs",), "training.fit-epochs-bool"),
    case(lambda: training.fit(fresh_ae(), X, mse, batch_size=0, progress=False), ValueError, ("batch_size",), "training.fit-batch_size-zero"),
    case(lambda: training.fit(fresh_ae(), X, mse, batch_size=1.5, progress=False), TypeError, ("batch_size",), "training.fit-batch_size-float"),
    case(lambda: training.fit(fresh_ae(), X, mse, lr=0, progress=False), ValueError, ("lr",), "training.fit-lr-zero"),
    case(lambda: training.fit(fresh_ae(), X, mse, lr=-1e-3, progress=False), ValueError, ("lr",), "training.fit-lr-negative"),
    case(lambda: training.fit(fresh_ae(), X, mse, lr=NAN, progress=False), ValueError, ("lr",), "training.fit-lr-nan"),
    case(lambda: training.fit(fresh_ae(), X, mse, lr="1e-3", progress=False), TypeError, ("lr",), "training.fit-lr-str"),
    case(lambda: training.fit(fresh_ae(), X, mse, seed=-1, progress=False), ValueError, ("seed",), "training.fit-seed-negative"),
    case(lambda: training.fit(fresh_ae(), X, mse, seed=1.5, progress=False), TypeError, ("seed",), "training.fit-seed-float"),
    case(lambda: training.fit(fresh_ae(), X, mse, x_test=X[:, :3], progress=False), ValueError, ("x_test",), "training.fit-x_test-wrong-width"),
    case(lambda: training.fit(fresh_ae(), X, mse, x_test=X.double(), progress=False), TypeError, ("x_test",), "training.fit-x_test-float64"),
    case(lambda: training.fit(fresh_ae(), X, mse, x_test=torch.zeros(0, 4), progress=False), ValueError, ("x_test",), "training.fit-x_test-empty"),
    case(lambda: training.fit(fresh_ae(), X, mse, optimizer="adam", progress=False), TypeError, ("optimizer",), "training.fit-optimizer-str"),
    case(lambda: training.fit(fresh_ae(), X, mse, optimizer=torch.optim.SGD(fresh_ae().parameters(), lr=0.1), progress=False), ValueError, ("optimizer",), "training.fit-optimizer-of-another-model"),
    case(lambda: training.fit(fresh_ae(), X, mse, desc=3, progress=False), TypeError, ("desc",), "training.fit-desc-int"),
    case(lambda: training.fit(fresh_ae(), X, mse, progress="False"), TypeError, ("progress",), "training.fit-progress-str"),
    case(lambda: training.fit(models.VAE(4, 2, hidden=(3,)), X + 1.0, objectives.vae_loss_fn(), progress=False), ValueError, ("[0, 1]",), "training.fit-bernoulli-data-above-1"),
    case(lambda: training.evaluate("model", X, mse), TypeError, ("model",), "training.evaluate-model-str"),
    case(lambda: training.evaluate(AE, X[:, :3], mse), ValueError, ("x",), "training.evaluate-x-wrong-width"),
    case(lambda: training.evaluate(AE, X.double(), mse), TypeError, ("x",), "training.evaluate-x-float64"),
    case(lambda: training.evaluate(AE, torch.zeros(0, 4), mse), ValueError, ("x",), "training.evaluate-x-empty"),
    case(lambda: training.evaluate(AE, X, 3), TypeError, ("loss_fn",), "training.evaluate-loss_fn-int"),
    case(lambda: training.evaluate(AE, X, mse, batch_size=0), ValueError, ("batch_size",), "training.evaluate-batch_size-zero"),
    case(lambda: training.evaluate(AE, X, mse, batch_size=2.0), TypeError, ("batch_size",), "training.evaluate-batch_size-float"),
    case(lambda: training.evaluate(AE, X, lambda m, x: mse(m, x) * NAN), FloatingPointError, ("loss",), "training.evaluate-loss-nan"),
    case(lambda: training.evaluate(AE, X, lambda m, x: mse(m, x)[:, None]), ValueError, ("loss_fn",), "training.evaluate-loss_fn-wrong-shape"),

    # --- aecourse.vae ----------------------------------------------------------------
    case(lambda: gaussian.reparameterize(MU, torch.zeros(5, 3)), ValueError, ("logvar",), "gaussian.reparameterize-shape-mismatch"),
    case(lambda: gaussian.reparameterize(MU, LOGVAR, torch.zeros(5, 3)), ValueError, ("eps",), "gaussian.reparameterize-eps-shape"),
    case(lambda: gaussian.reparameterize(MU, LOGVAR, np.zeros((5, 2))), TypeError, ("eps",), "gaussian.reparameterize-eps-numpy"),
    case(lambda: gaussian.reparameterize("mu", LOGVAR), TypeError, ("mu",), "gaussian.reparameterize-mu-str"),
    case(lambda: gaussian.reparameterize(with_nan(MU), LOGVAR), ValueError, ("mu",), "gaussian.reparameterize-mu-nan"),
    case(lambda: gaussian.reparameterize(MU.long(), LOGVAR.long()), TypeError, ("mu",), "gaussian.reparameterize-int"),
    case(lambda: gaussian.reparameterize(torch.zeros(0, 2), torch.zeros(0, 2)), ValueError, ("mu",), "gaussian.reparameterize-empty"),
    case(lambda: models.VAE(4, 0), ValueError, ("latent_dim",), "models.VAE-latent_dim-zero"),
    case(lambda: models.VAE(0, 2), ValueError, (IN_DIM,), "models.VAE-data_dim-zero"),
    case(lambda: models.VAE(4, 2.0), TypeError, ("latent_dim",), "models.VAE-latent_dim-float"),
    case(lambda: models.VAE(4, 2, likelihood="poisson"), ValueError, ("likelihood",), "models.VAE-likelihood-unknown"),
    case(lambda: models.VAE(4, 2, likelihood="Gaussian"), ValueError, ("likelihood",), "models.VAE-likelihood-case"),
    case(lambda: models.VAE(4, 2, likelihood=["bernoulli"]), TV, ("likelihood",), "models.VAE-likelihood-list"),
    case(lambda: models.VAE(4, 2, out_activation="sigmoid"), ValueError, ("out_activation",), "models.VAE-bernoulli-with-out_activation"),
    case(lambda: models.VAE(4, 2, hidden=(0,)), ValueError, ("hidden",), "models.VAE-hidden-zero"),
    case(lambda: models.VAE(4, 2, hidden=5), TypeError, ("hidden",), "models.VAE-hidden-int"),
    case(lambda: models.VAE(4, 2, activation="gelu"), ValueError, ("activation",), "models.VAE-activation-unknown"),
    case(lambda: VAE_B(X[:, :3]), ValueError, ("x",), "models.VAE.forward-wrong-width"),
    case(lambda: VAE_B(X.double()), TypeError, ("x",), "models.VAE.forward-float64"),
    case(lambda: VAE_B(with_nan(X)), ValueError, ("x",), "models.VAE.forward-nan"),
    case(lambda: VAE_B(torch.zeros(0, 4)), ValueError, ("x",), "models.VAE.forward-empty"),
    case(lambda: VAE_B.encode(X.numpy()), TypeError, ("x",), "models.VAE.encode-numpy"),
    case(lambda: VAE_B.decode(torch.zeros(5, 3)), ValueError, ("z",), "models.VAE.decode-wrong-width"),
    case(lambda: VAE_B.decode(with_nan(MU)), ValueError, ("z",), "models.VAE.decode-nan"),
    case(lambda: VAE_B.decode(MU.long()), TypeError, ("z",), "models.VAE.decode-int"),
    case(lambda: VAE_B.decode(MU.double()), TypeError, ("z",), "models.VAE.decode-float64"),
    case(lambda: VAE_B.decode_mean("z"), TypeError, ("z",), "models.VAE.decode_mean-str"),
    case(lambda: objectives.vae_loss_fn(beta=-1.0), ValueError, ("beta",), "objectives.vae_loss_fn-beta-negative"),
    case(lambda: objectives.vae_loss_fn(beta=NAN), ValueError, ("beta",), "objectives.vae_loss_fn-beta-nan"),
    case(lambda: objectives.vae_loss_fn(beta="1"), TypeError, ("beta",), "objectives.vae_loss_fn-beta-str"),
    case(lambda: objectives.vae_loss_fn(s=0.0), ValueError, ("s",), "objectives.vae_loss_fn-s-zero"),
    case(lambda: objectives.vae_loss_fn(s=-1.0), ValueError, ("s",), "objectives.vae_loss_fn-s-negative"),
    case(lambda: objectives.vae_loss_fn()(VAE_G, X), ValueError, ("s",), "objectives.vae_loss_fn-gaussian-without-s"),
    case(lambda: objectives.vae_loss_fn(s=1.0)(VAE_B, X), ValueError, ("s",), "objectives.vae_loss_fn-bernoulli-with-s"),
    case(lambda: diagnostics.kl_per_dim(VAE_B, X[:, :3]), ValueError, ("x",), "diagnostics.kl_per_dim-wrong-width"),
    case(lambda: diagnostics.kl_per_dim("model", X), TypeError, ("model",), "diagnostics.kl_per_dim-model-str"),
    case(lambda: diagnostics.kl_per_dim(AE, X), TypeError, ("model",), "diagnostics.kl_per_dim-autoencoder"),
    case(lambda: diagnostics.posterior_mean_variance(VAE_B, X[:1]), ValueError, ("x",), "diagnostics.posterior_mean_variance-one-row"),
    case(lambda: diagnostics.posterior_mean_variance(VAE_B, torch.zeros(0, 4)), ValueError, ("x",), "diagnostics.posterior_mean_variance-empty"),
    case(lambda: diagnostics.count_active_units(VAE_B, X[:1]), ValueError, ("x",), "diagnostics.count_active_units-one-row"),
    case(lambda: diagnostics.count_active_units(VAE_B, X, threshold=-1.0), ValueError, ("threshold",), "diagnostics.count_active_units-threshold-negative"),
    case(lambda: diagnostics.count_active_units(VAE_B, X, threshold="0.01"), TypeError, ("threshold",), "diagnostics.count_active_units-threshold-str"),
    case(lambda: diagnostics.latent_grid(0), ValueError, ("n",), "diagnostics.latent_grid-zero"),
    case(lambda: diagnostics.latent_grid(-3), ValueError, ("n",), "diagnostics.latent_grid-negative"),
    case(lambda: diagnostics.latent_grid(2.0), TypeError, ("n",), "diagnostics.latent_grid-float"),
    case(lambda: diagnostics.latent_grid(True), TypeError, ("n",), "diagnostics.latent_grid-bool"),
    case(lambda: diagnostics.interpolate(torch.zeros(2), torch.zeros(3), 5), ValueError, ("z1",), "diagnostics.interpolate-shape-mismatch"),
    case(lambda: diagnostics.interpolate(MU, MU, 5), ValueError, ("z0",), "diagnostics.interpolate-2d"),
    case(lambda: diagnostics.interpolate(torch.zeros(2), torch.ones(2), 0), ValueError, ("num_steps",), "diagnostics.interpolate-num_steps-zero"),
    case(lambda: diagnostics.interpolate(torch.zeros(2), torch.ones(2), 1), ValueError, ("num_steps",), "diagnostics.interpolate-num_steps-one-drops-z1"),
    case(lambda: diagnostics.interpolate(torch.zeros(2), torch.ones(2), 2.0), TypeError, ("num_steps",), "diagnostics.interpolate-num_steps-float"),
    case(lambda: diagnostics.interpolate(with_nan(torch.zeros(2)), torch.ones(2), 3), ValueError, ("z0",), "diagnostics.interpolate-nan"),
    case(lambda: diagnostics.interpolate(torch.zeros(2, dtype=torch.int64), torch.ones(2, dtype=torch.int64), 3), TypeError, ("z0",), "diagnostics.interpolate-int"),
    case(lambda: diagnostics.interpolate(torch.zeros(0), torch.zeros(0), 3), ValueError, ("z0",), "diagnostics.interpolate-empty"),
    case(lambda: plotting.plot_latent_manifold(VAE_B, (2, 2), n=0), ValueError, ("n",), "plotting.plot_latent_manifold-n-zero"),
    case(lambda: plotting.plot_latent_manifold(VAE_B, (2, 2), n=2.5), TypeError, ("n",), "plotting.plot_latent_manifold-n-float"),
    case(lambda: plotting.plot_latent_manifold(VAE_B, (3, 3)), ValueError, ("image_shape",), "plotting.plot_latent_manifold-image_shape-mismatch"),
    case(lambda: plotting.plot_latent_manifold(VAE_3, (2, 2)), ValueError, ("latent_dim",), "plotting.plot_latent_manifold-latent_dim-3"),
    case(lambda: plotting.plot_latent_manifold("model", (2, 2)), TypeError, ("model",), "plotting.plot_latent_manifold-model-str"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[5]), ValueError, ("dims",), "plotting.plot_latent_traversal-dim-out-of-range"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[-1]), ValueError, ("dims",), "plotting.plot_latent_traversal-dim-negative"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[0.5]), TypeError, ("dims",), "plotting.plot_latent_traversal-dim-float"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=0), TypeError, ("dims",), "plotting.plot_latent_traversal-dims-int"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[]), ValueError, ("dims",), "plotting.plot_latent_traversal-dims-empty"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[0], values=[]), ValueError, ("values",), "plotting.plot_latent_traversal-values-empty"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[0], values=[NAN]), ValueError, ("values",), "plotting.plot_latent_traversal-values-nan"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[0], z0=torch.zeros(3)), ValueError, ("z0",), "plotting.plot_latent_traversal-z0-wrong-size"),
    case(lambda: plotting.plot_latent_traversal(VAE_B, (3, 3), dims=[0]), ValueError, ("image_shape",), "plotting.plot_latent_traversal-image_shape-mismatch"),
    case(lambda: plotting.plot_kl_per_dim({}), ValueError, ("kl_by_model",), "plotting.plot_kl_per_dim-empty"),
    case(lambda: plotting.plot_kl_per_dim([1.0, 2.0]), TypeError, ("kl_by_model",), "plotting.plot_kl_per_dim-list"),
    case(lambda: plotting.plot_kl_per_dim({"a": [1.0, NAN]}), ValueError, ("kl_by_model",), "plotting.plot_kl_per_dim-nan"),
    case(lambda: plotting.plot_kl_per_dim({"a": [1.0, 2.0]}, threshold="x"), TypeError, ("threshold",), "plotting.plot_kl_per_dim-threshold-str"),
    case(lambda: plotting.plot_bounds([1, 10], [1.0], [0.1, 0.1]), ValueError, ("means",), "plotting.plot_bounds-length-mismatch"),
    case(lambda: plotting.plot_bounds([0, 10], [1.0, 2.0], [0.1, 0.1]), ValueError, ("ks",), "plotting.plot_bounds-k-zero"),
    case(lambda: plotting.plot_bounds([], [], []), ValueError, ("ks",), "plotting.plot_bounds-empty"),
    case(lambda: plotting.plot_bounds([1, 10], [1.0, NAN], [0.1, 0.1]), ValueError, ("means",), "plotting.plot_bounds-nan"),
    case(lambda: widgets.latent_explorer(VAE_B, (2, 2), limit=0.0), ValueError, ("limit",), "widgets.latent_explorer-limit-zero"),
    case(lambda: widgets.latent_explorer(VAE_B, (2, 2), dims=[7]), ValueError, ("dims",), "widgets.latent_explorer-dim-out-of-range"),
    case(lambda: widgets.latent_explorer(VAE_B, (2, 2), z0=np.zeros(2)), TypeError, ("z0",), "widgets.latent_explorer-z0-numpy"),
    case(lambda: widgets.latent_explorer(VAE_B, (2, 2), z0=torch.zeros(3)), ValueError, ("z0",), "widgets.latent_explorer-z0-wrong-size"),
    case(lambda: widgets.latent_explorer(VAE_B, (3, 3)), ValueError, ("image_shape",), "widgets.latent_explorer-image_shape-mismatch"),

    # --- aecourse.regularized --------------------------------------------------------
    case(lambda: losses.kl_bernoulli(0.0, torch.tensor([0.5])), ValueError, ("rho",), "losses.kl_bernoulli-rho-zero"),
    case(lambda: losses.kl_bernoulli(1.5, torch.tensor([0.5])), ValueError, ("rho",), "losses.kl_bernoulli-rho-above-1"),
    case(lambda: losses.kl_bernoulli(True, torch.tensor([0.5])), TypeError, ("rho",), "losses.kl_bernoulli-rho-bool"),
    case(lambda: losses.kl_bernoulli("0.1", torch.tensor([0.5])), TypeError, ("rho",), "losses.kl_bernoulli-rho-str"),
    case(lambda: losses.kl_bernoulli(NAN, torch.tensor([0.5])), ValueError, ("rho",), "losses.kl_bernoulli-rho-nan"),
    case(lambda: losses.kl_bernoulli(0.1, torch.tensor([0.0, 0.5])), ValueError, ("rho_hat",), "losses.kl_bernoulli-rho_hat-zero"),
    case(lambda: losses.kl_bernoulli(0.1, torch.tensor([1, 0])), TypeError, ("rho_hat",), "losses.kl_bernoulli-rho_hat-int"),
    case(lambda: losses.kl_bernoulli(torch.tensor([0.1, 0.2]), torch.tensor([0.5, 0.5, 0.5])), ValueError, ("rho_hat",), "losses.kl_bernoulli-broadcast-mismatch"),
    case(lambda: losses.mean_activation(X[0]), ValueError, ("h",), "losses.mean_activation-1d"),
    case(lambda: losses.mean_activation([[0.5]]), TypeError, ("h",), "losses.mean_activation-list"),
    case(lambda: losses.mean_activation(torch.zeros(0, 3)), ValueError, ("h",), "losses.mean_activation-empty"),
    case(lambda: losses.sparsity_penalty(X, 0.0), ValueError, ("rho",), "losses.sparsity_penalty-rho-zero"),
    case(lambda: losses.sparsity_penalty(X, "a"), TypeError, ("rho",), "losses.sparsity_penalty-rho-str"),
    case(lambda: losses.sparsity_penalty(X + 1.0, 0.1), ValueError, ("h",), "losses.sparsity_penalty-h-above-1"),
    case(lambda: losses.sparsity_penalty(X[None], 0.1), ValueError, ("h",), "losses.sparsity_penalty-h-3d"),
    case(lambda: losses.sparsity_penalty(X, torch.tensor([0.1, 0.2])), ValueError, ("rho",), "losses.sparsity_penalty-rho-wrong-size"),
    case(lambda: objectives.sparse_loss(0.0, 1.0), ValueError, ("rho",), "objectives.sparse_loss-rho-zero"),
    case(lambda: objectives.sparse_loss(0.05, -1.0), ValueError, ("lam",), "objectives.sparse_loss-lam-negative"),
    case(lambda: objectives.sparse_loss(0.05, "1"), TypeError, ("lam",), "objectives.sparse_loss-lam-str"),
    case(lambda: objectives.sparse_loss(0.05, NAN), ValueError, ("lam",), "objectives.sparse_loss-lam-nan"),
    case(lambda: objectives.sparse_loss(0.05, 1.0)(AE, X), ValueError, ("sigmoid",), "objectives.sparse_loss-code-not-sigmoid"),
    case(lambda: data.gaussian_noise(X, -1.0), ValueError, ("sigma",), "data.gaussian_noise-sigma-negative"),
    case(lambda: data.gaussian_noise(X, NAN), ValueError, ("sigma",), "data.gaussian_noise-sigma-nan"),
    case(lambda: data.gaussian_noise(X, "0.1"), TypeError, ("sigma",), "data.gaussian_noise-sigma-str"),
    case(lambda: data.gaussian_noise([[0.0]], 0.1), TypeError, ("x",), "data.gaussian_noise-x-list"),
    case(lambda: data.gaussian_noise(X, 0.1, generator="g"), TypeError, ("generator",), "data.gaussian_noise-generator-str"),
    case(lambda: data.masking_noise(X, 1.0), ValueError, ("p",), "data.masking_noise-p-one"),
    case(lambda: data.masking_noise(X, -0.1), ValueError, ("p",), "data.masking_noise-p-negative"),
    case(lambda: data.masking_noise(X, NAN), ValueError, ("p",), "data.masking_noise-p-nan"),
    case(lambda: data.masking_noise(X, "0.5"), TypeError, ("p",), "data.masking_noise-p-str"),
    case(lambda: data.masking_noise(X, True), TypeError, ("p",), "data.masking_noise-p-bool"),
    case(lambda: data.masking_noise(X.long(), 0.5), TypeError, ("x",), "data.masking_noise-x-int"),
    case(lambda: data.masking_noise(X, 0.5, generator=3), TypeError, ("generator",), "data.masking_noise-generator-int"),
    case(lambda: objectives.denoising_loss("noise"), TypeError, ("corrupt",), "objectives.denoising_loss-corrupt-str"),
    case(lambda: objectives.denoising_loss(lambda x: x[:2])(AE, X), ValueError, ("corrupt",), "objectives.denoising_loss-corrupt-changes-shape"),
    case(lambda: diagnostics.distance_to_data(X2, torch.zeros(5, 3)), ValueError, ("data",), "diagnostics.distance_to_data-width-mismatch"),
    case(lambda: diagnostics.distance_to_data(X2[0], X2), ValueError, ("points",), "diagnostics.distance_to_data-points-1d"),
    case(lambda: diagnostics.distance_to_data(X2, torch.zeros(0, 2)), ValueError, ("data",), "diagnostics.distance_to_data-data-empty"),
    case(lambda: diagnostics.distance_to_data(X2, X2.double()), TypeError, ("data",), "diagnostics.distance_to_data-dtype-mismatch"),
    case(lambda: data.load_circle(n_samples=0), ValueError, ("n_samples",), "data.load_circle-n_samples-zero"),
    case(lambda: data.load_circle(n_samples=1), ValueError, ("n_samples",), "data.load_circle-n_samples-empty-test-set"),
    case(lambda: data.load_circle(n_samples=10.0), TypeError, ("n_samples",), "data.load_circle-n_samples-float"),
    case(lambda: data.load_circle(noise=-1.0), ValueError, ("noise",), "data.load_circle-noise-negative"),
    case(lambda: data.load_circle(radius=0.0), ValueError, ("radius",), "data.load_circle-radius-zero"),
    case(lambda: data.load_circle(radius=INF), ValueError, ("radius",), "data.load_circle-radius-inf"),
    case(lambda: data.load_circle(seed=-1), ValueError, ("seed",), "data.load_circle-seed-negative"),
    case(lambda: data.load_circle(seed=1.5), TypeError, ("seed",), "data.load_circle-seed-float"),
    case(lambda: diagnostics.jacobian(AE.encode, X[0]), ValueError, ("x",), "diagnostics.jacobian-x-1d"),
    case(lambda: diagnostics.jacobian(AE.encode, X, mode="forward"), ValueError, ("mode",), "diagnostics.jacobian-mode-unknown"),
    case(lambda: diagnostics.jacobian(AE.encode, X, mode=None), ValueError, ("mode",), "diagnostics.jacobian-mode-None"),
    case(lambda: diagnostics.jacobian("f", X), TypeError, ("f",), "diagnostics.jacobian-f-str"),
    case(lambda: diagnostics.jacobian(lambda x: x.sum(1), X), ValueError, ("f",), "diagnostics.jacobian-f-returns-1d"),
    case(lambda: diagnostics.jacobian(AE.encode, with_nan(X)), ValueError, ("x",), "diagnostics.jacobian-x-nan"),
    case(lambda: diagnostics.jacobian(AE.encode, X.long()), TypeError, ("x",), "diagnostics.jacobian-x-int"),
    case(lambda: losses.jacobian_frobenius_sq(AE.encode, X, mode="both"), ValueError, ("mode",), "losses.jacobian_frobenius_sq-mode-unknown"),
    case(lambda: losses.jacobian_frobenius_sq(AE.encode, torch.zeros(0, 4)), ValueError, ("x",), "losses.jacobian_frobenius_sq-x-empty"),
    case(lambda: losses.sigmoid_jacobian_frobenius_sq(MU, torch.zeros(3, 4)), ValueError, ("weight",), "losses.sigmoid_jacobian_frobenius_sq-weight-mismatch"),
    case(lambda: losses.sigmoid_jacobian_frobenius_sq(MU[0], torch.zeros(2, 4)), ValueError, ("h",), "losses.sigmoid_jacobian_frobenius_sq-h-1d"),
    case(lambda: losses.sigmoid_jacobian_frobenius_sq(MU, [[0.0] * 4] * 2), TypeError, ("weight",), "losses.sigmoid_jacobian_frobenius_sq-weight-list"),
    case(lambda: models.TiedAutoencoder(0, 2), ValueError, (IN_DIM,), "models.TiedAutoencoder-data_dim-zero"),
    case(lambda: models.TiedAutoencoder(4, 2.0), TypeError, ("code_dim",), "models.TiedAutoencoder-code_dim-float"),
    case(lambda: models.TiedAutoencoder(4, 2, out_activation="relu"), ValueError, ("out_activation",), "models.TiedAutoencoder-out_activation-unknown"),
    case(lambda: TIED(X[:, :3]), ValueError, ("x",), "models.TiedAutoencoder.forward-wrong-width"),
    case(lambda: TIED(X.double()), TypeError, ("x",), "models.TiedAutoencoder.forward-float64"),
    case(lambda: TIED.encode(with_nan(X)), ValueError, ("x",), "models.TiedAutoencoder.encode-nan"),
    case(lambda: TIED.decode(torch.zeros(5, 2)), ValueError, ("h",), "models.TiedAutoencoder.decode-wrong-width"),
    case(lambda: models.sigmoid_encoder_weight(AE), ValueError, ("model",), "models.sigmoid_encoder_weight-not-sigmoid"),
    case(lambda: models.sigmoid_encoder_weight("model"), TV, ("model",), "models.sigmoid_encoder_weight-str"),
    case(lambda: objectives.contractive_loss(-1.0), ValueError, ("lam",), "objectives.contractive_loss-lam-negative"),
    case(lambda: objectives.contractive_loss("a"), TypeError, ("lam",), "objectives.contractive_loss-lam-str"),
    case(lambda: objectives.contractive_loss(0.1)(AE, X), ValueError, ("jacobian_frobenius_sq",), "objectives.contractive_loss-closed-form-not-sigmoid"),
    case(lambda: diagnostics.directional_sensitivity(AE2.encode, X2, torch.zeros(5, 3)), ValueError, ("v",), "diagnostics.directional_sensitivity-v-shape"),
    case(lambda: diagnostics.directional_sensitivity(AE2.encode, X2, with_nan(V2)), ValueError, ("v",), "diagnostics.directional_sensitivity-v-nan"),
    case(lambda: diagnostics.directional_sensitivity(AE2.encode, X2[0], V2[0]), ValueError, ("x",), "diagnostics.directional_sensitivity-x-1d"),
    case(lambda: diagnostics.directional_sensitivity("f", X2, V2), TypeError, ("f",), "diagnostics.directional_sensitivity-f-str"),
    case(lambda: diagnostics.directional_sensitivity(lambda x: x.sum(1), X2, V2), ValueError, ("f",), "diagnostics.directional_sensitivity-f-returns-1d"),
    case(lambda: diagnostics.directional_sensitivity(AE2.encode, X2, V2.double()), TypeError, ("v",), "diagnostics.directional_sensitivity-v-float64"),
    case(lambda: diagnostics.circle_sensitivity(AE2.encode, THETA[None]), ValueError, ("theta",), "diagnostics.circle_sensitivity-theta-2d"),
    case(lambda: diagnostics.circle_sensitivity(AE2.encode, THETA, radius=0.0), ValueError, ("radius",), "diagnostics.circle_sensitivity-radius-zero"),
    case(lambda: diagnostics.circle_sensitivity(AE2.encode, THETA.long()), TypeError, ("theta",), "diagnostics.circle_sensitivity-theta-int"),
    case(lambda: plotting.plot_activation_histograms({}), ValueError, ("rho_hats",), "plotting.plot_activation_histograms-empty"),
    case(lambda: plotting.plot_activation_histograms([torch.rand(5)]), TypeError, ("rho_hats",), "plotting.plot_activation_histograms-list"),
    case(lambda: plotting.plot_activation_histograms({"a": torch.rand(5)}, bins=0), ValueError, ("bins",), "plotting.plot_activation_histograms-bins-zero"),
    case(lambda: plotting.plot_activation_histograms({"a": torch.rand(5)}, rho=2.0), ValueError, ("rho",), "plotting.plot_activation_histograms-rho-above-1"),
    case(lambda: plotting.plot_features({"a": torch.rand(3, 4)}, (2, 2), n=0), ValueError, ("n",), "plotting.plot_features-n-zero"),
    case(lambda: plotting.plot_features({"a": torch.rand(3, 4)}, (3, 3)), ValueError, ("image_shape",), "plotting.plot_features-image_shape-mismatch"),
    case(lambda: plotting.plot_features({"a": torch.rand(4)}, (2, 2)), ValueError, ("a",), "plotting.plot_features-1d"),
    case(lambda: plotting.plot_features({}, (2, 2)), ValueError, ("features",), "plotting.plot_features-empty"),
    case(lambda: plotting.plot_vector_field(AE2, torch.zeros(5, 3)), ValueError, ("data",), "plotting.plot_vector_field-data-width"),
    case(lambda: plotting.plot_vector_field(AE2, X2, steps=0), ValueError, ("steps",), "plotting.plot_vector_field-steps-zero"),
    case(lambda: plotting.plot_vector_field(AE2, X2, lim=(1.0, 2.0)), ValueError, ("lim",), "plotting.plot_vector_field-lim-two-numbers"),
    case(lambda: plotting.plot_vector_field(AE2, X2, lim=(NAN, 1.0, 0.0, 1.0)), ValueError, ("lim",), "plotting.plot_vector_field-lim-nan"),
    case(lambda: plotting.plot_vector_field(AE, X2), ValueError, ("model",), "plotting.plot_vector_field-model-not-2d"),
    case(lambda: plotting.denoise_rows(AE, X, [0.1], torch.zeros(5, 3)), ValueError, ("eps",), "plotting.denoise_rows-eps-shape"),
    case(lambda: plotting.denoise_rows(AE, X, [-1.0], EPS), ValueError, ("sigma",), "plotting.denoise_rows-sigma-negative"),
    case(lambda: plotting.denoise_rows(AE, X, [NAN], EPS), ValueError, ("sigma",), "plotting.denoise_rows-sigma-nan"),
    case(lambda: plotting.denoise_rows(AE, X, 0.5, EPS), TypeError, ("sigmas",), "plotting.denoise_rows-sigmas-float"),
    case(lambda: plotting.plot_denoising(AE, X, [0.1], EPS, (3, 3)), ValueError, ("image_shape",), "plotting.plot_denoising-image_shape-mismatch"),
    case(lambda: widgets.denoising_slider(AE, X, EPS, (2, 2), sigma_max=0.0), ValueError, ("sigma_max",), "widgets.denoising_slider-sigma_max-zero"),
    case(lambda: widgets.denoising_slider(AE, X, EPS, (2, 2), step=-1.0), ValueError, ("step",), "widgets.denoising_slider-step-negative"),
    case(lambda: widgets.denoising_slider(AE, X, EPS, (2, 2), value=5.0), ValueError, ("value",), "widgets.denoising_slider-value-above-max"),
    case(lambda: widgets.denoising_slider(AE, X, torch.zeros(3, 3), (2, 2)), ValueError, ("eps",), "widgets.denoising_slider-eps-shape"),
    case(lambda: plotting.plot_circle_sensitivity(THETA, {"a": (THETA,)}), ValueError, ("curves",), "plotting.plot_circle_sensitivity-not-a-pair"),
    case(lambda: plotting.plot_circle_sensitivity("theta", {}), TypeError, ("theta",), "plotting.plot_circle_sensitivity-theta-str"),
    case(lambda: plotting.plot_circle_sensitivity(THETA, {"a": (THETA[:3], THETA[:3])}), ValueError, ("curves",), "plotting.plot_circle_sensitivity-length-mismatch"),

    # --- aecourse.lvm ----------------------------------------------------------------
    case(lambda: gaussian.log_normal_diag(Z64, MU64, torch.zeros(5, 3, dtype=torch.float64)), ValueError, ("logvar",), "gaussian.log_normal_diag-logvar-shape"),
    case(lambda: gaussian.log_normal_diag(torch.zeros(5, 3, dtype=torch.float64), MU64, MU64), ValueError, ("z",), "gaussian.log_normal_diag-z-width"),
    case(lambda: gaussian.log_normal_diag(Z64[:3], MU64, MU64), ValueError, ("z",), "gaussian.log_normal_diag-z-batch"),
    case(lambda: gaussian.log_normal_diag(Z64[0], MU64[0], MU64[0]), ValueError, ("mu",), "gaussian.log_normal_diag-1d"),
    case(lambda: gaussian.log_normal_diag(Z64, MU64, with_nan(MU64)), ValueError, ("logvar",), "gaussian.log_normal_diag-logvar-nan"),
    case(lambda: gaussian.log_normal_diag(Z64.tolist(), MU64, MU64), TypeError, ("z",), "gaussian.log_normal_diag-z-list"),
    case(lambda: gaussian.kl_diag_normals(MU64, MU64, MU64[:3], MU64[:3]), ValueError, ("mu_p",), "gaussian.kl_diag_normals-batch-mismatch"),
    case(lambda: gaussian.kl_diag_normals(MU64, MU64[:, :1], MU64, MU64), ValueError, ("logvar_q",), "gaussian.kl_diag_normals-logvar_q-shape"),
    case(lambda: gaussian.kl_diag_normals(MU64, MU64, MU64[0], MU64[0]), ValueError, ("mu_p",), "gaussian.kl_diag_normals-mu_p-1d"),
    case(lambda: gaussian.kl_diag_normals(MU64, MU64, "0", MU64), TypeError, ("mu_p",), "gaussian.kl_diag_normals-mu_p-str"),
    case(lambda: gaussian.diag_normal(MU, torch.zeros(5, 3)), ValueError, ("logvar",), "gaussian.diag_normal-shape-mismatch"),
    case(lambda: gaussian.diag_normal(MU[None], LOGVAR[None]), ValueError, ("mu",), "gaussian.diag_normal-3d"),
    case(lambda: gaussian.diag_normal(MU, torch.full((5, 2), -300.0)), ValueError, ("logvar",), "gaussian.diag_normal-variance-underflows"),
    case(lambda: estimators.effective_sample_size(torch.tensor(1.0)), ValueError, ("log_w",), "estimators.effective_sample_size-scalar"),
    case(lambda: estimators.effective_sample_size(with_nan(LOG_W)), ValueError, ("log_w",), "estimators.effective_sample_size-nan"),
    case(lambda: estimators.effective_sample_size(torch.full((4, 2), -INF)), ValueError, ("log_w",), "estimators.effective_sample_size-all-neginf"),
    case(lambda: estimators.effective_sample_size(with_inf(LOG_W)), ValueError, ("log_w",), "estimators.effective_sample_size-posinf"),
    case(lambda: estimators.effective_sample_size(LOG_W, dim=3), ValueError, ("dim",), "estimators.effective_sample_size-dim-out-of-range"),
    case(lambda: estimators.effective_sample_size(LOG_W.tolist()), TypeError, ("log_w",), "estimators.effective_sample_size-list"),
    case(lambda: estimators.effective_sample_size(torch.zeros(0, 3)), ValueError, ("log_w",), "estimators.effective_sample_size-empty"),
    case(lambda: lvm.LinearGaussianLVM(W64, torch.zeros(3, dtype=torch.float64), 0.5), ValueError, ("b",), "lvm.LinearGaussianLVM-b-length"),
    case(lambda: lvm.LinearGaussianLVM(W64, torch.zeros(4), 0.5), TypeError, ("b",), "lvm.LinearGaussianLVM-b-float32"),
    case(lambda: lvm.LinearGaussianLVM(W64, B64, 0.0), ValueError, ("s",), "lvm.LinearGaussianLVM-s-zero"),
    case(lambda: lvm.LinearGaussianLVM(W64, B64, -1.0), ValueError, ("s",), "lvm.LinearGaussianLVM-s-negative"),
    case(lambda: lvm.LinearGaussianLVM(W64, B64, NAN), ValueError, ("s",), "lvm.LinearGaussianLVM-s-nan"),
    case(lambda: lvm.LinearGaussianLVM(W64, B64, "1"), TypeError, ("s",), "lvm.LinearGaussianLVM-s-str"),
    case(lambda: lvm.LinearGaussianLVM(W64, B64, torch.tensor([1.0, 2.0])), ValueError, ("s",), "lvm.LinearGaussianLVM-s-tensor"),
    case(lambda: lvm.LinearGaussianLVM(W64[:, 0], B64, 0.5), ValueError, ("W",), "lvm.LinearGaussianLVM-W-1d"),
    case(lambda: lvm.LinearGaussianLVM(W64.tolist(), B64, 0.5), TypeError, ("W",), "lvm.LinearGaussianLVM-W-list"),
    case(lambda: lvm.LinearGaussianLVM(with_nan(W64), B64, 0.5), ValueError, ("W",), "lvm.LinearGaussianLVM-W-nan"),
    case(lambda: lvm.LinearGaussianLVM(W64, B64, 1e-200).log_marginal(X64), (ValueError, FloatingPointError), ("s",), "lvm.LinearGaussianLVM-s-underflows"),
    case(lambda: LVM.sample(0), ValueError, ("num_samples",), "lvm.LinearGaussianLVM.sample-zero"),
    case(lambda: LVM.sample(2.0), TypeError, ("num_samples",), "lvm.LinearGaussianLVM.sample-float"),
    case(lambda: LVM.log_prior(torch.zeros(5, 3, dtype=torch.float64)), ValueError, ("z",), "lvm.LinearGaussianLVM.log_prior-width"),
    case(lambda: LVM.log_prior(torch.zeros(5, 2)), TypeError, ("z",), "lvm.LinearGaussianLVM.log_prior-float32"),
    case(lambda: LVM.log_likelihood(X64[:, :3], Z64), ValueError, ("x",), "lvm.LinearGaussianLVM.log_likelihood-x-width"),
    case(lambda: LVM.log_likelihood(X64.float(), Z64), TypeError, ("x",), "lvm.LinearGaussianLVM.log_likelihood-x-float32"),
    case(lambda: LVM.log_likelihood(X64, Z64[:3]), ValueError, ("z",), "lvm.LinearGaussianLVM.log_likelihood-z-batch"),
    case(lambda: LVM.log_likelihood(X64[0], Z64[0]), ValueError, ("x",), "lvm.LinearGaussianLVM.log_likelihood-1d"),
    case(lambda: LVM.log_joint(X64, torch.zeros(5, 3, dtype=torch.float64)), ValueError, ("z",), "lvm.LinearGaussianLVM.log_joint-z-width"),
    case(lambda: LVM.log_marginal(with_nan(X64)), ValueError, ("x",), "lvm.LinearGaussianLVM.log_marginal-nan"),
    case(lambda: LVM.posterior(X64.long()), TypeError, ("x",), "lvm.LinearGaussianLVM.posterior-int"),
    case(lambda: LVM.posterior_distribution(torch.zeros(0, 4, dtype=torch.float64)), ValueError, ("x",), "lvm.LinearGaussianLVM.posterior_distribution-empty"),
    case(lambda: LVM.log_posterior(X64, Z64[:3]), ValueError, ("z",), "lvm.LinearGaussianLVM.log_posterior-z-batch"),
    case(lambda: LVM.reconstruction_term(X64, torch.zeros(5, 3, dtype=torch.float64), torch.zeros(5, 3, dtype=torch.float64)), ValueError, ("mu",), "lvm.LinearGaussianLVM.reconstruction_term-mu-width"),
    case(lambda: LVM.elbo(X64, MU64, torch.zeros(5, 3, dtype=torch.float64)), ValueError, ("logvar",), "lvm.LinearGaussianLVM.elbo-logvar-shape"),
    case(lambda: LVM.kl_to_posterior(X64, MU64[:4], MU64[:4]), ValueError, ("mu",), "lvm.LinearGaussianLVM.kl_to_posterior-batch"),
    case(lambda: LVM.best_diagonal_q(X64[:, :3]), ValueError, ("x",), "lvm.LinearGaussianLVM.best_diagonal_q-width"),
    case(lambda: estimators.prior_log_weights(LVM, X64, 0), ValueError, ("num_samples",), "estimators.prior_log_weights-zero"),
    case(lambda: estimators.prior_log_weights("model", X64, 2), TypeError, ("model",), "estimators.prior_log_weights-model-str"),
    case(lambda: estimators.naive_log_px(LVM, X64.float(), 2), TypeError, ("x",), "estimators.naive_log_px-float32"),
    case(lambda: estimators.importance_log_weights(LVM, X64, q="q", num_samples=2), TypeError, ("q",), "estimators.importance_log_weights-q-str"),
    case(lambda: estimators.importance_log_weights(LVM, X64, q=gaussian.diag_normal(MU64[:3], MU64[:3]), num_samples=2), ValueError, ("q",), "estimators.importance_log_weights-q-batch"),
    case(lambda: estimators.importance_log_weights(LVM, X64, q=gaussian.diag_normal(MU64, MU64), num_samples=0), ValueError, ("num_samples",), "estimators.importance_log_weights-zero"),
    case(lambda: estimators.iwae_bound(LVM, X64, q=gaussian.diag_normal(MU, LOGVAR), num_samples=2), TypeError, ("q",), "estimators.iwae_bound-q-float32"),
    case(lambda: lvm.ml_ppca(X64, 4), ValueError, ("latent_dim",), "lvm.ml_ppca-latent_dim-equals-D"),
    case(lambda: lvm.ml_ppca(X64, 0), ValueError, ("latent_dim",), "lvm.ml_ppca-latent_dim-zero"),
    case(lambda: lvm.ml_ppca(X64, 1.0), TypeError, ("latent_dim",), "lvm.ml_ppca-latent_dim-float"),
    case(lambda: lvm.ml_ppca(X64[:1], 1), ValueError, ("x",), "lvm.ml_ppca-one-row"),
    case(lambda: lvm.ml_ppca(with_nan(X64), 1), ValueError, ("x",), "lvm.ml_ppca-nan"),
    case(lambda: lvm.ml_ppca(torch.ones(5, 4, dtype=torch.float64), 1), ValueError, ("x",), "lvm.ml_ppca-constant-data"),
    case(lambda: diagnostics.subspace_angles(W64, torch.zeros(4, 3, dtype=torch.float64)), ValueError, ("B",), "diagnostics.subspace_angles-B-columns"),
    case(lambda: diagnostics.subspace_angles(W64, torch.ones(5, 2, dtype=torch.float64)), ValueError, ("B",), "diagnostics.subspace_angles-B-rows"),
    case(lambda: diagnostics.subspace_angles(W64[:, 0], W64[:, 0]), ValueError, ("A",), "diagnostics.subspace_angles-1d"),
    case(lambda: diagnostics.subspace_angles(W64.T, W64.T), ValueError, ("A",), "diagnostics.subspace_angles-more-columns-than-rows"),
    case(lambda: diagnostics.subspace_angles(torch.zeros(4, 2, dtype=torch.float64), W64), ValueError, ("A",), "diagnostics.subspace_angles-A-rank-deficient"),
    case(lambda: models.LinearVAE(0, 2), ValueError, ("data_dim",), "models.LinearVAE-data_dim-zero"),
    case(lambda: models.LinearVAE(4, 2.5), TypeError, ("latent_dim",), "models.LinearVAE-latent_dim-float"),
    case(lambda: models.LinearVAE(4, 2, s=0.0), ValueError, ("s",), "models.LinearVAE-s-zero"),
    case(lambda: models.LinearVAE(4, 2, dtype="float64"), TypeError, ("dtype",), "models.LinearVAE-dtype-str"),
    case(lambda: models.LinearVAE(4, 2, dtype=torch.int64), TypeError, ("dtype",), "models.LinearVAE-dtype-int64"),
    case(lambda: LVAE.encode(X64.float()), TypeError, ("x",), "models.LinearVAE.encode-float32"),
    case(lambda: LVAE.encode(X64[:, :3]), ValueError, ("x",), "models.LinearVAE.encode-width"),
    case(lambda: objectives.linear_vae_terms(LVAE, X64[:, :3]), ValueError, ("x",), "objectives.linear_vae_terms-width"),
    case(lambda: objectives.linear_vae_terms(LVM, X64), TypeError, ("model",), "objectives.linear_vae_terms-not-a-LinearVAE"),

    # --- aecourse.pca ----------------------------------------------------------------
    case(lambda: pca.fit_pca(X, 0), ValueError, ("num_components",), "pca.fit_pca-zero-components"),
    case(lambda: pca.fit_pca(X, 5), ValueError, ("num_components",), "pca.fit_pca-too-many-components"),
    case(lambda: pca.fit_pca(X, 2.0), TypeError, ("num_components",), "pca.fit_pca-float-components"),
    case(lambda: pca.fit_pca(X, True), TypeError, ("num_components",), "pca.fit_pca-bool-components"),
    case(lambda: pca.fit_pca(X[:1], 1), ValueError, ("x",), "pca.fit_pca-one-row"),
    case(lambda: pca.fit_pca(with_nan(X), 2), ValueError, ("x",), "pca.fit_pca-nan"),
    case(lambda: pca.fit_pca(X.numpy(), 2), TypeError, ("x",), "pca.fit_pca-numpy"),
    case(lambda: pca.fit_pca(X[None], 2), ValueError, ("x",), "pca.fit_pca-3d"),
    case(lambda: pca.fit_pca(X.long(), 2), TypeError, ("x",), "pca.fit_pca-int"),
    case(lambda: PCA.project(X[:, :3]), ValueError, ("x",), "pca.PCA.project-width"),
    case(lambda: PCA.project(X.double()), TypeError, ("x",), "pca.PCA.project-float64"),
    case(lambda: PCA.decode(torch.zeros(5, 3)), ValueError, ("h",), "pca.PCA.decode-width"),
    case(lambda: PCA.decode(torch.zeros(5, 2, dtype=torch.float64)), TypeError, ("h",), "pca.PCA.decode-float64"),
    case(lambda: PCA.reconstruct(with_nan(X)), ValueError, ("x",), "pca.PCA.reconstruct-nan"),
    case(lambda: PCA.truncate(0), ValueError, ("num_components",), "pca.PCA.truncate-zero"),
    case(lambda: PCA.truncate(3), ValueError, ("num_components",), "pca.PCA.truncate-too-many"),
    case(lambda: PCA.truncate(1.5), TypeError, ("num_components",), "pca.PCA.truncate-float"),
    case(lambda: pca.PCA(torch.zeros(4), torch.zeros(2, 3), torch.zeros(2)), ValueError, ("components",), "pca.PCA-components-width"),

    # --- aecourse.gradients ----------------------------------------------------------
    case(lambda: gaussian.reparameterize_diag(MU3, torch.zeros(3), STD3), ValueError, ("std",), "gaussian.reparameterize_diag-std-zero"),
    case(lambda: gaussian.reparameterize_diag(MU3, -STD3, STD3), ValueError, ("std",), "gaussian.reparameterize_diag-std-negative"),
    case(lambda: gaussian.reparameterize_diag(MU3, with_nan(STD3), STD3), ValueError, ("std",), "gaussian.reparameterize_diag-std-nan"),
    case(lambda: gaussian.reparameterize_diag(MU3[None], STD3, STD3), ValueError, ("mu",), "gaussian.reparameterize_diag-mu-2d"),
    case(lambda: gaussian.reparameterize_diag(MU3, STD3, torch.zeros(5, 2)), ValueError, ("eps",), "gaussian.reparameterize_diag-eps-width"),
    case(lambda: gaussian.reparameterize_diag(MU3, STD3, [0.0, 0.0, 0.0]), TypeError, ("eps",), "gaussian.reparameterize_diag-eps-list"),
    case(lambda: gaussian.reparameterize_diag(MU3, STD3[:2], STD3), ValueError, ("std",), "gaussian.reparameterize_diag-std-length"),
    case(lambda: gaussian.reparameterize_full(MU3, L3.T + torch.triu(torch.ones(3, 3), 1), STD3), ValueError, ("scale_tril",), "gaussian.reparameterize_full-upper-triangular"),
    case(lambda: gaussian.reparameterize_full(MU3, torch.eye(3)[:, :2], STD3), ValueError, ("scale_tril",), "gaussian.reparameterize_full-not-square"),
    case(lambda: gaussian.reparameterize_full(MU3, torch.eye(4), STD3), ValueError, ("scale_tril",), "gaussian.reparameterize_full-wrong-size"),
    case(lambda: gaussian.reparameterize_full(MU3, -L3, STD3), ValueError, ("scale_tril",), "gaussian.reparameterize_full-negative-diagonal"),
    case(lambda: gaussian.reparameterize_full(MU3, L3, torch.zeros(5, 2)), ValueError, ("eps",), "gaussian.reparameterize_full-eps-width"),
    case(lambda: gaussian.sample_full_covariance(MU3, L3, 0), ValueError, ("num_samples",), "gaussian.sample_full_covariance-zero"),
    case(lambda: gaussian.sample_full_covariance(MU3, L3, 3, generator="g"), TypeError, ("generator",), "gaussian.sample_full_covariance-generator-str"),
    case(lambda: gaussian.sample_full_covariance(MU3, L3.tolist(), 3), TypeError, ("scale_tril",), "gaussian.sample_full_covariance-scale_tril-list"),
    case(lambda: gradients.pathwise_gradient("f", MU3, STD3, 10), TypeError, ("f",), "gradients.pathwise_gradient-f-str"),
    case(lambda: gradients.pathwise_gradient(square, MU3, STD3, 0), ValueError, ("num_samples",), "gradients.pathwise_gradient-zero-samples"),
    case(lambda: gradients.pathwise_gradient(square, MU3, STD3, 10, num_repeats=0), ValueError, ("num_repeats",), "gradients.pathwise_gradient-zero-repeats"),
    case(lambda: gradients.pathwise_gradient(square, MU3, STD3, 10, num_repeats=1.5), TypeError, ("num_repeats",), "gradients.pathwise_gradient-float-repeats"),
    case(lambda: gradients.pathwise_gradient(lambda z: z, MU3, STD3, 10), ValueError, ("f",), "gradients.pathwise_gradient-f-wrong-shape"),
    case(lambda: gradients.pathwise_gradient(lambda z: z.detach().sum(-1), MU3, STD3, 10), ValueError, ("f",), "gradients.pathwise_gradient-f-not-differentiable"),
    case(lambda: gradients.pathwise_gradient(square, MU3, torch.zeros(3), 10), ValueError, ("std",), "gradients.pathwise_gradient-std-zero"),
    case(lambda: gradients.score_function_gradient(square, MU3, STD3, 10, baseline="mean"), ValueError, ("baseline",), "gradients.score_function_gradient-baseline-unknown"),
    case(lambda: gradients.score_function_gradient(square, MU3, STD3, 10, baseline=[1.0]), TypeError, ("baseline",), "gradients.score_function_gradient-baseline-list"),
    case(lambda: gradients.score_function_gradient(square, MU3, STD3, 10, baseline=NAN), ValueError, ("baseline",), "gradients.score_function_gradient-baseline-nan"),
    case(lambda: gradients.score_function_gradient(square, MU3, STD3, 10, baseline=True), TypeError, ("baseline",), "gradients.score_function_gradient-baseline-bool"),
    case(lambda: gradients.score_function_gradient(square, MU3, STD3, 1, baseline="loo"), ValueError, ("num_samples",), "gradients.score_function_gradient-loo-one-sample"),
    case(lambda: gradients.score_function_gradient(square, MU3, STD3, 0), ValueError, ("num_samples",), "gradients.score_function_gradient-zero-samples"),
    case(lambda: gradients.score_function_gradient(square, MU3, torch.zeros(3), 10), ValueError, ("std",), "gradients.score_function_gradient-std-zero"),
    case(lambda: gradients.score_function_gradient(lambda z: z, MU3, STD3, 10), ValueError, ("f",), "gradients.score_function_gradient-f-wrong-shape"),
    case(lambda: gradients.score_function_gradient(lambda z: z.sum(-1) * NAN, MU3, STD3, 10), (ValueError, FloatingPointError), ("f",), "gradients.score_function_gradient-f-nan"),
    case(lambda: gradients.gradient_stats(EST[:1]), ValueError, ("estimates",), "gradients.gradient_stats-one-row"),
    case(lambda: gradients.gradient_stats(EST[0]), ValueError, ("estimates",), "gradients.gradient_stats-1d"),
    case(lambda: gradients.gradient_stats(with_nan(EST)), ValueError, ("estimates",), "gradients.gradient_stats-nan"),
    case(lambda: gradients.gradient_stats(EST.tolist()), TypeError, ("estimates",), "gradients.gradient_stats-list"),
    case(lambda: gradients.gradient_stats(EST.long()), TypeError, ("estimates",), "gradients.gradient_stats-int"),
    case(lambda: gradients.finite_difference_gradient("fn", MU3), TypeError, ("fn",), "gradients.finite_difference_gradient-fn-str"),
    case(lambda: gradients.finite_difference_gradient(square, MU3[None]), ValueError, ("x",), "gradients.finite_difference_gradient-x-2d"),
    case(lambda: gradients.finite_difference_gradient(square, MU3, step=0.0), ValueError, ("step",), "gradients.finite_difference_gradient-step-zero"),
    case(lambda: gradients.finite_difference_gradient(square, MU3, step=-1e-4), ValueError, ("step",), "gradients.finite_difference_gradient-step-negative"),
    case(lambda: gradients.finite_difference_gradient(lambda x: x, MU3), ValueError, ("fn",), "gradients.finite_difference_gradient-fn-not-scalar"),
    case(lambda: gradients.finite_difference_gradient(lambda x: x.sum() * NAN, MU3), (ValueError, FloatingPointError), ("fn",), "gradients.finite_difference_gradient-fn-nan"),
    case(lambda: gradients.reconstruction_gradient_samples("f", MU, LOGVAR, 2), TypeError, ("log_px_given_z_fn",), "gradients.reconstruction_gradient_samples-fn-str"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU[0], LOGVAR[0], 2), ValueError, ("mu",), "gradients.reconstruction_gradient_samples-mu-1d"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, LOGVAR[:3], 2), ValueError, ("logvar",), "gradients.reconstruction_gradient_samples-logvar-shape"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, with_nan(LOGVAR), 2), ValueError, ("logvar",), "gradients.reconstruction_gradient_samples-logvar-nan"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, LOGVAR, 0), ValueError, ("num_samples",), "gradients.reconstruction_gradient_samples-zero-samples"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, LOGVAR, 2, estimator="reinforce"), ValueError, ("estimator",), "gradients.reconstruction_gradient_samples-estimator-unknown"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, LOGVAR, 2, baseline="mean"), ValueError, ("baseline",), "gradients.reconstruction_gradient_samples-baseline-unknown"),
    case(lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, LOGVAR, 2, baseline="loo"), ValueError, ("baseline",), "gradients.reconstruction_gradient_samples-loo-pathwise"),
    case(lambda: gradients.reconstruction_gradient_samples(lambda z: z, MU, LOGVAR, 2), ValueError, ("log_px_given_z_fn",), "gradients.reconstruction_gradient_samples-fn-wrong-shape"),

    # --- aecourse.plotting -----------------------------------------------------------
    case(lambda: plotting.image_grid([X], (3, 3)), ValueError, ("image_shape",), "plotting.image_grid-image_shape-mismatch"),
    case(lambda: plotting.image_grid([], (2, 2)), ValueError, ("rows",), "plotting.image_grid-empty"),
    case(lambda: plotting.image_grid([X], (2, 2), row_labels=["a", "b"]), ValueError, ("row_labels",), "plotting.image_grid-labels-mismatch"),
    case(lambda: plotting.image_grid([X], (2, 2), scale=0.0), ValueError, ("scale",), "plotting.image_grid-scale-zero"),
    case(lambda: plotting.plot_reconstructions(X, X, (2, 2), n=0), ValueError, ("n",), "plotting.plot_reconstructions-n-zero"),
    case(lambda: plotting.plot_reconstructions(X, X, (2, 2), n=-1), ValueError, ("n",), "plotting.plot_reconstructions-n-negative"),
    case(lambda: plotting.plot_reconstructions(X, X[:, :3], (2, 2)), ValueError, ("x_hat",), "plotting.plot_reconstructions-x_hat-width"),
    case(lambda: plotting.scatter_2d(torch.rand(5, 3)), ValueError, ("points",), "plotting.scatter_2d-three-columns"),
    case(lambda: plotting.scatter_2d("points"), TV, ("points",), "plotting.scatter_2d-str"),
    case(lambda: plotting.scatter_2d(X2, labels=torch.arange(3)), ValueError, ("labels",), "plotting.scatter_2d-labels-length"),
    case(lambda: plotting.scatter_2d(torch.zeros(0, 2)), ValueError, ("points",), "plotting.scatter_2d-empty"),
    case(lambda: plotting.plot_history(HISTORY, terms=("recon",)), ValueError, ("recon",), "plotting.plot_history-unknown-term"),
    case(lambda: plotting.plot_history(HISTORY, terms="loss"), TypeError, ("terms",), "plotting.plot_history-terms-str"),
    case(lambda: plotting.plot_history("history"), TypeError, ("history",), "plotting.plot_history-history-str"),
    case(lambda: plotting.plot_history(training.History()), ValueError, ("history",), "plotting.plot_history-empty-history"),

    # --- aecourse.verdicts -----------------------------------------------------------
    case(lambda: verdicts.agree(X, X, atol=-1.0), ValueError, ("atol",), "verdicts.agree-atol-negative"),
    case(lambda: verdicts.agree(X, X, atol=NAN), ValueError, ("atol",), "verdicts.agree-atol-nan"),
    case(lambda: verdicts.agree(X, X, atol="1e-6"), TypeError, ("atol",), "verdicts.agree-atol-str"),
    case(lambda: verdicts.agree(X, X, atol=None), TypeError, ("atol",), "verdicts.agree-atol-None"),
    case(lambda: verdicts.agree(X, X, atol=1e-6, rtol=-1.0), ValueError, ("rtol",), "verdicts.agree-rtol-negative"),
    case(lambda: verdicts.agree(X[0], X[1, :3], atol=1e-6), ValueError, ("a", "b"), "verdicts.agree-shape-mismatch"),
    case(lambda: verdicts.agree("a", X, atol=1e-6), TypeError, ("a",), "verdicts.agree-a-str"),
    case(lambda: verdicts.agree(X, None, atol=1e-6), TypeError, ("b",), "verdicts.agree-b-None"),

    # --- functions that appeared in the reorganisation ---------------------------------
    case(lambda: gaussian.log_standard_normal(torch.tensor(0.0)), ValueError, ("z",), "gaussian.log_standard_normal-scalar"),
    case(lambda: gaussian.log_standard_normal(MU.long()), TypeError, ("z",), "gaussian.log_standard_normal-int"),
    case(lambda: gaussian.log_standard_normal(with_nan(MU)), ValueError, ("z",), "gaussian.log_standard_normal-nan"),
    case(lambda: gaussian.kl_normal_std_normal_per_dim(MU, LOGVAR[:3]), ValueError, ("logvar",), "gaussian.kl_normal_std_normal_per_dim-shape-mismatch"),
    case(lambda: gradients.leave_one_out_mean(EST[:, :1]), ValueError, ("values",), "gradients.leave_one_out_mean-one-sample"),
    case(lambda: gradients.leave_one_out_mean(EST.tolist()), TypeError, ("values",), "gradients.leave_one_out_mean-list"),
    case(lambda: gradients.leave_one_out_mean(EST, dim=5), ValueError, ("dim",), "gradients.leave_one_out_mean-dim-out-of-range"),
    case(lambda: gradients.leave_one_out_mean(with_nan(EST)), ValueError, ("values",), "gradients.leave_one_out_mean-nan"),
    case(lambda: plotting.tile_images([X], (3, 3)), ValueError, ("image_shape",), "plotting.tile_images-image_shape-mismatch"),
    case(lambda: plotting.tile_images([X], (2, 2), pad=-1), ValueError, ("pad",), "plotting.tile_images-pad-negative"),
    case(lambda: estimators.importance_log_weights(LVM, X64, num_samples=2), ValueError, ("q",), "estimators.importance_log_weights-lvm-without-q"),
    case(lambda: estimators.iwae_bound(LVM, X64, num_samples=2, q=gaussian.diag_normal(MU64, MU64), s=1.0), ValueError, ("s",), "estimators.iwae_bound-lvm-with-s"),
    case(lambda: estimators.iwae_bound(VAE_B, X, num_samples=2, q="q"), TypeError, ("q",), "estimators.iwae_bound-q-str"),
    # --- the new chapters (3: autoencoders at work; 8: better VAEs) --------------------
    case(lambda: models.ConvAutoencoder(0), ValueError, ("code_dim",), "models.ConvAutoencoder-code_dim-zero"),
    case(lambda: models.ConvAutoencoder(2.5), TypeError, ("code_dim",), "models.ConvAutoencoder-code_dim-float"),
    case(lambda: models.ConvAutoencoder(2, image_shape=(10, 10)), ValueError, ("image_shape",), "models.ConvAutoencoder-image_shape-not-divisible"),
    case(lambda: models.ConvAutoencoder(2, image_shape=(8, 8))(X), ValueError, ("x",), "models.ConvAutoencoder-x-wrong-width"),
    case(lambda: models.ConvAutoencoder(2, channels=(8,)), TypeError, ("channels",), "models.ConvAutoencoder-channels-one"),
    case(lambda: models.count_parameters("model"), TypeError, ("model",), "models.count_parameters-str"),
    case(lambda: models.conv_output_size(28, 0), ValueError, ("kernel",), "models.conv_output_size-kernel-zero"),
    case(lambda: models.conv_output_size(3, 5), ValueError, ("kernel", "size"), "models.conv_output_size-kernel-larger-than-image"),
    case(lambda: models.conv_output_size(28.0, 3), TypeError, ("size",), "models.conv_output_size-size-float"),
    case(lambda: models.conv_output_size(28, 3, stride=0), ValueError, ("stride",), "models.conv_output_size-stride-zero"),
    case(lambda: models.conv_output_size(28, 3, padding=-1), ValueError, ("padding",), "models.conv_output_size-padding-negative"),
    case(lambda: models.ConvVAE(0), ValueError, ("latent_dim",), "models.ConvVAE-latent_dim-zero"),
    case(lambda: models.ConvVAE(2, image_shape=(28,)), (TypeError, ValueError), ("image_shape",), "models.ConvVAE-image_shape-one-side"),
    case(lambda: models.ConvVAE(2)(X), ValueError, ("x",), "models.ConvVAE-x-wrong-width"),
    case(lambda: models.LearnedVarianceVAE(4, 2, variance="free"), ValueError, ("variance",), "models.LearnedVarianceVAE-variance-unknown"),
    case(lambda: models.LearnedVarianceVAE(4, 2, min_std=-0.1), ValueError, ("min_std",), "models.LearnedVarianceVAE-min_std-negative"),
    case(lambda: models.LearnedVarianceVAE(4, 2, hidden=(3,))(X[:, :3]), ValueError, ("x",), "models.LearnedVarianceVAE-x-wrong-width"),
    case(lambda: models.ConditionalVAE(4, 1, 2), ValueError, ("num_classes",), "models.ConditionalVAE-one-class"),
    case(lambda: models.ConditionalVAE(4, 3, 0), ValueError, ("latent_dim",), "models.ConditionalVAE-latent_dim-zero"),
    case(lambda: models.ConditionalVAE(4, 3, 2, hidden=(3,)).one_hot(torch.tensor([0, 3])), ValueError, ("y",), "models.ConditionalVAE.one_hot-label-out-of-range"),
    case(lambda: models.ConditionalVAE(4, 3, 2, hidden=(3,)).one_hot(torch.tensor([0.0, 1.0])), ValueError, ("y",), "models.ConditionalVAE.one_hot-float-labels-not-rows"),
    case(lambda: objectives.kl_warmup(-1, 10), ValueError, ("step",), "objectives.kl_warmup-step-negative"),
    case(lambda: objectives.kl_warmup(1.5, 10), TypeError, ("step",), "objectives.kl_warmup-step-float"),
    case(lambda: objectives.kl_warmup(1, -10), ValueError, ("warmup_steps",), "objectives.kl_warmup-warmup_steps-negative"),
    case(lambda: objectives.warmup_free_bits_loss_fn(free_bits=-1.0), ValueError, ("free_bits",), "objectives.warmup_free_bits_loss_fn-free_bits-negative"),
    case(lambda: objectives.warmup_free_bits_loss_fn(free_bits=NAN), ValueError, ("free_bits",), "objectives.warmup_free_bits_loss_fn-free_bits-nan"),
    case(lambda: objectives.warmup_free_bits_loss_fn(warmup_steps=-5), ValueError, ("warmup_steps",), "objectives.warmup_free_bits_loss_fn-warmup_steps-negative"),
    case(lambda: objectives.warmup_free_bits_loss_fn()(AE, X), TypeError, ("model",), "objectives.warmup_free_bits_loss_fn-not-a-vae"),
    case(lambda: objectives.iwae_loss_fn(0), ValueError, ("num_samples",), "objectives.iwae_loss_fn-num_samples-zero"),
    case(lambda: objectives.iwae_loss_fn(2.0), TypeError, ("num_samples",), "objectives.iwae_loss_fn-num_samples-float"),
    case(lambda: objectives.iwae_loss_fn(2)(AE, X), TypeError, ("model",), "objectives.iwae_loss_fn-not-a-vae"),
    case(lambda: objectives.conditional_vae_loss_fn()(VAE_B, X), TypeError, ("model",), "objectives.conditional_vae_loss_fn-not-a-cvae"),
    case(lambda: objectives.conditional_vae_loss_fn(binarize="yes"), TypeError, ("binarize",), "objectives.conditional_vae_loss_fn-binarize-str"),
    case(lambda: losses.free_bits_kl(MU, LOGVAR, -0.1), ValueError, ("free_bits",), "losses.free_bits_kl-free_bits-negative"),
    case(lambda: losses.free_bits_kl(MU, LOGVAR[:, :1], 0.1), ValueError, ("logvar",), "losses.free_bits_kl-shape-mismatch"),
    case(lambda: losses.free_bits_kl(with_nan(MU), LOGVAR, 0.1), ValueError, ("mu",), "losses.free_bits_kl-nan"),
    case(lambda: losses.free_bits_kl(MU.tolist(), LOGVAR, 0.1), TypeError, ("mu",), "losses.free_bits_kl-list"),
    case(lambda: diagnostics.linear_probe_accuracy(X, torch.tensor([0, 1, 0, 1, 0]), X, torch.tensor([0, 1, 0])), ValueError, (("y_test", "h_test"),), "diagnostics.linear_probe_accuracy-length-mismatch"),
    case(lambda: diagnostics.linear_probe_accuracy(X, torch.tensor([0, 1, 0, 1, 0]), X[:, :3], torch.tensor([0, 1, 0, 1, 0])), ValueError, ("h_test",), "diagnostics.linear_probe_accuracy-width-mismatch"),
    case(lambda: diagnostics.linear_probe_accuracy(X, torch.tensor([0, 1, 0, 1, 0]), X, torch.tensor([0, 1, 0, 1, 0]), per_class=0), ValueError, ("per_class",), "diagnostics.linear_probe_accuracy-per_class-zero"),
    case(lambda: diagnostics.linear_probe_accuracy(with_nan(X), torch.tensor([0, 1, 0, 1, 0]), X, torch.tensor([0, 1, 0, 1, 0])), ValueError, ("h_train",), "diagnostics.linear_probe_accuracy-nan"),
    case(lambda: plotting.plot_singular_values({}), ValueError, ("spectra",), "plotting.plot_singular_values-empty"),
    case(lambda: plotting.plot_singular_values({"a": with_nan(MU3)}), ValueError, ("spectra",), "plotting.plot_singular_values-nan"),
    case(lambda: plotting.plot_error_against_code_size([2, 4], {"pca": [1.0]}), ValueError, ("errors",), "plotting.plot_error_against_code_size-length-mismatch"),
    case(lambda: plotting.plot_error_against_code_size([], {}), ValueError, (("code_sizes", "errors"),), "plotting.plot_error_against_code_size-empty"),
    case(lambda: plotting.plot_roc_curves({}), ValueError, ("curves",), "plotting.plot_roc_curves-empty"),
    case(lambda: plotting.plot_roc_curves({"a": "curve"}), TypeError, ("curves",), "plotting.plot_roc_curves-not-a-curve"),
    case(lambda: plotting.plot_scores_against_ink(MU3, STD3[:2]), ValueError, ("scores",), "plotting.plot_scores_against_ink-length-mismatch"),
    case(lambda: plotting.plot_curves({}), ValueError, ("curves",), "plotting.plot_curves-empty"),
    case(lambda: plotting.plot_curves({"a": [1.0, NAN]}), ValueError, ("curves",), "plotting.plot_curves-nan"),
    case(lambda: plotting.plot_rate_distortion({}), ValueError, ("points",), "plotting.plot_rate_distortion-empty"),
    case(lambda: plotting.plot_rate_distortion({"a": (1.0,)}), ValueError, ("points",), "plotting.plot_rate_distortion-one-number"),
    case(lambda: plotting.plot_rate_distortion({"a": (1.0, 2.0)}, sweep=("b",)), ValueError, ("sweep",), "plotting.plot_rate_distortion-sweep-unknown"),
]
# fmt: on


ACCEPTED = [
    good(lambda: runtime.set_seed(np.int64(3)), id="runtime.set_seed-np.int64"),
    good(lambda: runtime.use_threads(np.int64(1)), id="runtime.use_threads-np.int64"),
    good(lambda: runtime.get_device("cpu"), id="runtime.get_device-cpu"),
    good(
        lambda: training.fit(
            fresh_ae(),
            X,
            mse,
            epochs=np.int64(1),
            batch_size=np.int32(2),
            seed=np.int32(0),
            progress=False,
        ),
        id="training.fit-numpy-ints",
    ),
    good(
        lambda: training.evaluate(AE, X, mse, batch_size=np.int64(2)),
        id="training.evaluate-np.int64",
    ),
    good(lambda: training.evaluate(nn.Identity(), X, mse), id="training.evaluate-baseline"),
    good(
        lambda: data.load_moons(n_samples=np.int64(50), seed=np.int64(1)),
        id="data.load_moons-numpy-ints",
    ),
    good(
        lambda: data.load_dataset("moons", n_samples=np.int32(30)), id="data.load_dataset-np.int32"
    ),
    good(lambda: data.load_digits8x8(seed=np.int64(1)), id="data.load_digits8x8-np.int64"),
    good(
        lambda: data.stratified_split(Y_LABELS, 0.5, np.int64(0)),
        id="data.stratified_split-np.int64",
    ),
    good(
        lambda: data.stratified_split(Y_LABELS, np.float32(0.5), 0),
        id="data.stratified_split-np.float32-fraction",
    ),
    good(lambda: models.mlp([np.int64(4), np.int32(2)]), id="models.mlp-numpy-ints"),
    good(
        lambda: models.Autoencoder(np.int64(4), np.int64(2), hidden=(np.int64(3),))(X),
        id="models.Autoencoder-numpy-ints",
    ),
    good(
        lambda: models.VAE(np.int64(4), np.int64(2), hidden=(np.int64(3),))(X),
        id="models.VAE-numpy-ints",
    ),
    good(
        lambda: estimators.naive_log_px(models.VAE(np.int64(4), np.int64(2), hidden=(3,)), X, 2),
        id="estimators.naive_log_px-VAE-with-numpy-latent_dim",
    ),
    good(
        lambda: estimators.importance_log_weights(VAE_B, X, np.int64(3), chunk_size=np.int64(2)),
        id="estimators.importance_log_weights-numpy-ints",
    ),
    good(
        lambda: losses.gaussian_log_likelihood(X, X, np.float32(0.5)),
        id="losses.gaussian_log_likelihood-np.float32-s",
    ),
    good(
        lambda: estimators.log_mean_exp(LOG_W, dim=np.int64(0)),
        id="estimators.log_mean_exp-np.int64-dim",
    ),
    good(
        lambda: objectives.vae_loss_fn(beta=np.float32(0.5)), id="objectives.vae_loss_fn-np.float32"
    ),
    good(lambda: diagnostics.latent_grid(np.int64(3)), id="diagnostics.latent_grid-np.int64"),
    good(
        lambda: diagnostics.interpolate(torch.zeros(2), torch.ones(2), np.int64(3)),
        id="diagnostics.interpolate-np.int64",
    ),
    good(
        lambda: plotting.plot_latent_manifold(VAE_B, (2, 2), n=np.int64(3)),
        id="plotting.plot_latent_manifold-np.int64",
    ),
    good(
        lambda: plotting.plot_latent_traversal(VAE_B, (2, 2), dims=[np.int64(0)]),
        id="plotting.plot_latent_traversal-np.int64-dim",
    ),
    good(
        lambda: diagnostics.count_active_units(VAE_B, X, threshold=np.float32(0.01)),
        id="diagnostics.count_active_units-np.float32",
    ),
    good(
        lambda: data.load_circle(np.int64(20), seed=np.int64(1)),
        id="data.load_circle-numpy-ints",
    ),
    good(
        lambda: losses.kl_bernoulli(np.float32(0.1), torch.tensor([0.5])),
        id="losses.kl_bernoulli-np.float32-rho",
    ),
    good(
        lambda: objectives.sparse_loss(np.float32(0.05), np.float32(1.0))(SPARSE_AE, X),
        id="objectives.sparse_loss-np.float32",
    ),
    good(
        lambda: data.masking_noise(X, np.float32(0.5)),
        id="data.masking_noise-np.float32-p",
    ),
    good(
        lambda: plotting.plot_features({"a": torch.rand(3, 4)}, (2, 2), n=np.int64(2)),
        id="plotting.plot_features-np.int64",
    ),
    good(
        lambda: models.TiedAutoencoder(np.int64(4), np.int64(2))(X),
        id="models.TiedAutoencoder-numpy-ints",
    ),
    good(lambda: LVM.sample(np.int64(3)), id="lvm.LinearGaussianLVM.sample-np.int64"),
    good(
        lambda: lvm.LinearGaussianLVM(W64, B64, np.float32(0.5)),
        id="lvm.LinearGaussianLVM-np.float32-s",
    ),
    good(lambda: models.LinearVAE(np.int64(4), np.int64(2)), id="models.LinearVAE-numpy-ints"),
    good(lambda: lvm.ml_ppca(X64, np.int64(1)), id="lvm.ml_ppca-np.int64"),
    good(
        lambda: estimators.effective_sample_size(LOG_W, dim=np.int64(0)),
        id="estimators.effective_sample_size-np.int64-dim",
    ),
    good(
        lambda: estimators.naive_log_px(LVM, X64, np.int64(3)),
        id="estimators.naive_log_px-np.int64",
    ),
    good(lambda: pca.fit_pca(X, np.int64(2)), id="pca.fit_pca-np.int64"),
    good(lambda: PCA.truncate(np.int64(1)), id="pca.PCA.truncate-np.int64"),
    good(
        lambda: gradients.pathwise_gradient(
            square, MU3, STD3, np.int64(4), num_repeats=np.int64(2)
        ),
        id="gradients.pathwise_gradient-numpy-ints",
    ),
    good(
        lambda: gradients.score_function_gradient(
            square, MU3, STD3, np.int64(4), baseline=np.float32(0.5)
        ),
        id="gradients.score_function_gradient-np.float32-baseline",
    ),
    good(
        lambda: gaussian.sample_full_covariance(MU3, L3, np.int64(3)),
        id="gaussian.sample_full_covariance-np.int64",
    ),
    good(
        lambda: gradients.reconstruction_gradient_samples(log_px_fn, MU, LOGVAR, np.int64(2)),
        id="gradients.reconstruction_gradient_samples-np.int64",
    ),
    good(
        lambda: plotting.plot_reconstructions(X, X, (2, 2), n=np.int64(2)),
        id="plotting.plot_reconstructions-np.int64",
    ),
    good(lambda: verdicts.agree(X, X, atol=np.float32(1e-6)), id="verdicts.agree-np.float32-atol"),
]


@pytest.fixture(autouse=True)
def _leave_no_trace():
    """Close the figures and restore the random states and thread count a call may change
    (set_seed, use_threads, sampling), so that the rest of the suite is not affected."""
    python_state, numpy_state, threads = (
        random.getstate(),
        np.random.get_state(),
        torch.get_num_threads(),
    )
    with torch.random.fork_rng(devices=[]):
        yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)
    torch.set_num_threads(threads)
    plt.close("all")


def names(fragment, message: str) -> bool:
    """Whether ``fragment`` appears in ``message`` as a whole word (not inside a longer name);
    a tuple of fragments: whether one of them does."""
    if isinstance(fragment, tuple):
        return any(names(one, message) for one in fragment)
    return re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", message) is not None


#: The wording of errors raised deep inside torch, numpy or Python, not by aecourse's checks.
RAW = re.compile(
    r"\w+\(\): argument '|received an invalid combination of arguments|unsupported operand"
    r"|object is not (callable|iterable|subscriptable)|has no attribute|cannot reshape array"
    r"|not enough values to unpack|too many values to unpack"
)


@pytest.mark.parametrize("call, error, fragments", BAD)
def test_bad_input_is_refused_clearly(call, error, fragments):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert names(fragment, message), message
    assert not RAW.search(message), f"a raw error from a library, not a checked argument: {message}"


@pytest.mark.parametrize("call", ACCEPTED)
def test_good_input_of_another_numeric_type_is_accepted(call):
    call()


def test_the_probe_is_broad():
    functions = {param.id.split("-")[0] for param in BAD}
    assert len(BAD) >= 170
    assert len(functions) >= 40
    assert len({param.id for param in BAD}) == len(BAD)  # ids are unique
