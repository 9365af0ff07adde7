"""fetch_mnist (verified local files, else OpenML) and the shipped MNIST sample."""

import gzip
import runpy
import socket
from urllib.error import URLError

import numpy as np
import pytest
import sklearn.datasets
from conftest import REPOSITORY
from test_datasets import write_mnist_folder

from sklearn_scratchnet.datasets import (
    MNIST_FILES,
    IDXFormatError,
    MNISTChecksumError,
    MNISTNotFoundError,
    fetch_mnist,
    load_mnist_sample,
    mnist_home,
)


@pytest.fixture(scope="module")
def verified(mnist_dir):
    return fetch_mnist(mnist_dir, download_if_missing=False)


@pytest.fixture
def no_openml(monkeypatch):
    """fetch_openml must not be called."""

    def fail(*args, **kwargs):
        pytest.fail("fetch_openml was called")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fail)


def link_mnist(source, target, skip=()):
    """Symbolic links in ``target`` to the MNIST files of ``source``."""
    for stem in MNIST_FILES.values():
        if stem not in skip:
            (target / f"{stem}.gz").symlink_to(source / f"{stem}.gz")


def test_fetch_mnist_reads_the_verified_files(verified, mnist_dir):
    assert verified.X_train.shape == (60000, 784)
    assert verified.X_test.shape == (10000, 784)
    assert verified.X_train.dtype == verified.y_train.dtype == np.uint8
    assert verified.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert verified.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert verified.source == str(mnist_dir)
    assert verified.feature_names[0] == "pixel1" and len(verified.feature_names) == 784
    assert verified.target_names.tolist() == list(range(10))
    assert "CC BY-SA 3.0" in verified.DESCR and "LeCun" in verified.DESCR


def test_fetch_mnist_return_X_y_and_as_frame(verified, mnist_dir):
    X_train, X_test, y_train, y_test = fetch_mnist(mnist_dir, return_X_y=True)
    np.testing.assert_array_equal(X_train, verified.X_train)
    np.testing.assert_array_equal(y_test, verified.y_test)
    frame = fetch_mnist(mnist_dir, as_frame=True)
    assert list(frame.X_test.columns) == verified.feature_names
    assert frame.y_train.name == "class"
    np.testing.assert_array_equal(frame.X_test.to_numpy(), verified.X_test)


def test_fetch_mnist_finds_the_folder_through_the_environment(
    mnist_dir, tmp_path, monkeypatch, no_openml
):
    monkeypatch.setenv("SCRATCHNET_DATA", str(mnist_dir))
    assert mnist_home() == mnist_dir
    assert fetch_mnist(download_if_missing=False).source == str(mnist_dir)
    # data_home wins over the environment variable...
    assert mnist_home(tmp_path) == tmp_path
    with pytest.raises(MNISTNotFoundError, match=str(tmp_path)):
        fetch_mnist(tmp_path, download_if_missing=False)
    # ...and without either, scikit-learn's data home is the folder.
    monkeypatch.delenv("SCRATCHNET_DATA")
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sklearn_data"))
    assert mnist_home() == tmp_path / "sklearn_data"


def test_a_damaged_file_is_named_with_the_fix(mnist_dir, tmp_path, no_openml):
    link_mnist(mnist_dir, tmp_path, skip=["t10k-labels-idx1-ubyte"])
    labels = bytearray(gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz")
                                       .read_bytes()))  # fmt: skip
    labels[-1] = (labels[-1] + 1) % 10  # one wrong label: still valid IDX
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    with pytest.raises(MNISTChecksumError) as error:
        fetch_mnist(tmp_path)
    message = str(error.value)
    assert str(tmp_path / "t10k-labels-idx1-ubyte") in message
    assert "not the official MNIST file" in message and "Replace it" in message


def test_a_truncated_file_is_named(mnist_dir, tmp_path, no_openml):
    link_mnist(mnist_dir, tmp_path, skip=["train-labels-idx1-ubyte"])
    data = (mnist_dir / "train-labels-idx1-ubyte.gz").read_bytes()
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IDXFormatError, match="train-labels-idx1-ubyte.gz.*truncated"):
        fetch_mnist(tmp_path)


def test_another_data_set_in_mnist_layout_is_rejected(tmp_path, no_openml):
    """Valid IDX files under MNIST's names (as Fashion-MNIST's) are not MNIST."""
    write_mnist_folder(tmp_path)
    with pytest.raises(MNISTChecksumError, match="train-images.*load_idx_folder"):
        fetch_mnist(tmp_path)


def test_a_partial_folder_names_the_missing_files(tmp_path, no_openml):
    write_mnist_folder(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as error:
        fetch_mnist(tmp_path)
    assert not isinstance(error.value, MNISTNotFoundError)
    assert "train-labels-idx1-ubyte, t10k-images-idx3-ubyte" in str(error.value)


def test_without_files_and_without_download_says_where_to_put_them(tmp_path, no_openml):
    with pytest.raises(MNISTNotFoundError) as error:
        fetch_mnist(tmp_path, download_if_missing=False)
    message = str(error.value)
    assert "Put the four original MNIST files" in message
    assert str(tmp_path) in message and "SCRATCHNET_DATA" in message
    assert "train-images-idx3-ubyte.gz" in message and "load_mnist_sample" in message


class FakeOpenML:
    """Stands in for sklearn.datasets.fetch_openml; records how it was called."""

    def __init__(self, error=None):
        self.error = error
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs, socket.getdefaulttimeout()))
        if self.error is not None:
            raise self.error
        # OpenML's mnist_784: 70,000 rows of float pixels, string class labels.
        # Each row's first two pixels encode its index, to check the split.
        row = np.arange(70000)
        X = np.zeros((70000, 784), dtype=np.float32)
        X[:, :3] = np.stack([row % 256, row // 256 % 256, row // 65536], axis=1)
        y = (row % 10).astype(str).astype(object)
        return X, y


def test_missing_files_are_fetched_from_openml(tmp_path, monkeypatch):
    fake = FakeOpenML()
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake)
    mnist = fetch_mnist(tmp_path)
    (args, kwargs, timeout), = fake.calls  # fmt: skip
    assert args == ("mnist_784",) and kwargs["version"] == 1
    assert kwargs["data_home"] == tmp_path
    assert kwargs["return_X_y"] is True and kwargs["as_frame"] is False
    # Bounded: one retry at most, and no socket waits forever.
    assert kwargs["n_retries"] <= 1 and timeout is not None and timeout <= 30
    assert socket.getdefaulttimeout() is None  # restored afterwards
    assert mnist.X_train.shape == (60000, 784) and mnist.X_test.shape == (10000, 784)
    assert mnist.X_train.dtype == mnist.y_train.dtype == np.uint8
    row = np.arange(70000)
    for X, rows in ((mnist.X_train, row[:60000]), (mnist.X_test, row[60000:])):
        np.testing.assert_array_equal(X[:, :3].astype(int) @ [1, 256, 65536], rows)
    np.testing.assert_array_equal(mnist.y_train, row[:60000] % 10)
    np.testing.assert_array_equal(mnist.y_test, row[60000:] % 10)
    assert "OpenML" in mnist.source


@pytest.mark.parametrize(
    "error",
    [
        URLError("[Errno -3] Temporary failure in name resolution"),
        TimeoutError("timed out"),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_offline_download_failure_says_where_to_put_the_files(
    tmp_path, monkeypatch, error
):
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", FakeOpenML(error))
    with pytest.raises(MNISTNotFoundError) as raised:
        fetch_mnist(tmp_path)
    message = str(raised.value)
    assert "downloading it from OpenML failed" in message
    assert str(tmp_path) in message and "Put the four original MNIST files" in message
    assert socket.getdefaulttimeout() is None


def test_a_wrong_download_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(
        sklearn.datasets,
        "fetch_openml",
        lambda *a, **k: (np.zeros((100, 784)), np.zeros(100)),
    )
    with pytest.raises(IDXFormatError, match="not MNIST"):
        fetch_mnist(tmp_path)


@pytest.mark.filterwarnings("ignore:A network error occurred")
def test_the_real_download_path_fails_fast_offline(tmp_path):
    """scikit-learn's own fetch_openml, with the network refused (conftest)."""
    with pytest.raises(MNISTNotFoundError, match="downloading it from OpenML failed"):
        fetch_mnist(tmp_path)


def test_the_sample_is_balanced_real_mnist():
    sample = load_mnist_sample()
    assert sample.X_train.shape == (6000, 784) and sample.X_test.shape == (2000, 784)
    assert sample.X_train.dtype == sample.y_test.dtype == np.uint8
    assert np.bincount(sample.y_train).tolist() == [600] * 10
    assert np.bincount(sample.y_test).tolist() == [200] * 10
    for indices, size in ((sample.train_indices, 60000), (sample.test_indices, 10000)):
        assert np.all(np.diff(indices) > 0) and indices[-1] < size
    assert "CC BY-SA 3.0" in sample.DESCR and "mnist_sample.npz" in sample.source
    X_train, _, _, y_test = load_mnist_sample(return_X_y=True)
    np.testing.assert_array_equal(X_train, sample.X_train)
    frame = load_mnist_sample(as_frame=True)
    np.testing.assert_array_equal(frame.y_test.to_numpy(), sample.y_test)
    assert frame.X_train.shape == (6000, 784)


def test_the_sample_holds_the_official_digits(verified):
    sample = load_mnist_sample()
    np.testing.assert_array_equal(
        sample.X_train, verified.X_train[sample.train_indices]
    )
    np.testing.assert_array_equal(
        sample.y_train, verified.y_train[sample.train_indices]
    )
    np.testing.assert_array_equal(sample.X_test, verified.X_test[sample.test_indices])
    np.testing.assert_array_equal(sample.y_test, verified.y_test[sample.test_indices])


def test_the_sample_is_reproducible_from_the_official_files(mnist_dir, tmp_path):
    script = runpy.run_path(str(REPOSITORY / "tools" / "make_mnist_sample.py"))
    script["main"](mnist_dir, tmp_path / "sample.npz")
    sample = load_mnist_sample()
    with np.load(tmp_path / "sample.npz") as remade:
        np.testing.assert_array_equal(remade["train_indices"], sample.train_indices)
        np.testing.assert_array_equal(remade["test_indices"], sample.test_indices)
        np.testing.assert_array_equal(remade["X_test"], sample.X_test)
