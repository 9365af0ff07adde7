"""The IDX reader and the MNIST-layout folder loader, on files the tests write."""

import gzip

import numpy as np
import pytest

from sklearn_scratchnet.datasets import (
    MNIST_FILES,
    IDXFormatError,
    load_idx_folder,
    read_idx,
)

TYPE_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(">i2"): 0x0B,
    np.dtype(">i4"): 0x0C,
    np.dtype(">f4"): 0x0D,
    np.dtype(">f8"): 0x0E,
}


def idx_bytes(array):
    """Encode ``array`` as IDX (big-endian, C order)."""
    array = np.asarray(array)
    dtype = array.dtype if array.dtype.itemsize == 1 else array.dtype.newbyteorder(">")
    header = bytes([0, 0, TYPE_CODES[dtype], array.ndim])
    header += np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(dtype).tobytes()


def write_mnist_folder(folder, n_train=6, n_test=4, compress=True, rows=3, cols=2):
    rng = np.random.RandomState(0)
    arrays = {
        "train_images": rng.randint(0, 256, (n_train, rows, cols)).astype(np.uint8),
        "train_labels": rng.randint(0, 10, n_train).astype(np.uint8),
        "test_images": rng.randint(0, 256, (n_test, rows, cols)).astype(np.uint8),
        "test_labels": rng.randint(0, 10, n_test).astype(np.uint8),
    }
    for role, array in arrays.items():
        data = idx_bytes(array)
        name = MNIST_FILES[role]
        if compress:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


@pytest.mark.parametrize("dtype", list(TYPE_CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_every_type(tmp_path, dtype, compress):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(array)
    path = tmp_path / "array.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    result = read_idx(path)
    np.testing.assert_array_equal(result, array)
    assert result.dtype.isnative and result.flags.writeable


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda data: data[:-1], "truncated"),
        (lambda data: data[:6], "truncated inside the header"),
        (lambda data: data + b"\x00", "extra bytes"),
        (lambda data: b"\x50\x4b\x03\x04" + data[4:], "not an IDX file"),
        (lambda data: data[:2] + b"\x07" + data[3:], "not an IDX file"),
        (lambda data: b"", "not an IDX file"),
    ],
)
def test_read_idx_rejects_damaged_files(tmp_path, mutate, message):
    data = idx_bytes(np.zeros((3, 2, 2), dtype=np.uint8))
    path = tmp_path / "damaged"
    path.write_bytes(mutate(data))
    with pytest.raises(IDXFormatError, match=message):
        read_idx(path)


def test_read_idx_rejects_truncated_gzip(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IDXFormatError, match="gzip data is corrupt or truncated"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_load_idx_folder_flattens_images(tmp_path, compress):
    arrays = write_mnist_folder(tmp_path, compress=compress)
    X_train, X_test, y_train, y_test = load_idx_folder(tmp_path)
    np.testing.assert_array_equal(X_train, arrays["train_images"].reshape(6, 6))
    np.testing.assert_array_equal(X_test, arrays["test_images"].reshape(4, 6))
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    np.testing.assert_array_equal(y_test, arrays["test_labels"])


def test_load_idx_folder_names_the_missing_file(tmp_path):
    write_mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_requires_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_idx_folder(tmp_path / "nowhere")


def test_load_idx_folder_rejects_count_mismatch(tmp_path):
    write_mnist_folder(tmp_path, compress=False)
    labels = np.zeros(5, dtype=np.uint8)  # 6 train images
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    with pytest.raises(IDXFormatError, match="6 images but .* 5 labels"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_rejects_swapped_files(tmp_path):
    arrays = write_mnist_folder(tmp_path, compress=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(
        idx_bytes(arrays["train_images"])
    )
    with pytest.raises(IDXFormatError, match="1-D array of labels"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_rejects_labels_outside_0_to_9(tmp_path):
    write_mnist_folder(tmp_path, compress=False)
    labels = np.array([0, 1, 2, 3, 10, 4], dtype=np.uint8)  # 6 train images
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    with pytest.raises(IDXFormatError, match="holds the label 10.*0 to 9"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_rejects_images_that_are_not_bytes(tmp_path):
    write_mnist_folder(tmp_path, compress=False)
    images = np.zeros((4, 3, 2), dtype=">i2")  # 4 test images of int16
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(images))
    with pytest.raises(IDXFormatError, match="t10k-images.*int16.*unsigned bytes"):
        load_idx_folder(tmp_path)


def test_load_idx_folder_reads_the_dotted_spelling(tmp_path):
    arrays = write_mnist_folder(tmp_path, compress=False)
    for path in tmp_path.iterdir():
        path.rename(tmp_path / path.name.replace("-idx", ".idx"))
    _, _, y_train, _ = load_idx_folder(tmp_path)
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
