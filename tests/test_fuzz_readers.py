"""Fuzzing every reader of files: IDX files, digit images and model files.

Real files (the shipped MNIST sample as IDX files, raw and gzip-compressed;
digits drawn and saved in the image formats people use; a fitted model saved
as skops) are mutated at random, with a fixed seed: bits flipped, bytes
overwritten with edge values, slices cut, repeated or inserted, header fields
set to extremes. Half of the mutations are made inside the container (the IDX
content before gzip, the PNG chunks with their checksums recomputed, the
model's schema.json before zipping), so that they reach the parsers behind
the checksums.

Every input must end in a valid result or the reader's documented error, in a
child process whose address space is limited (see ``test_hostile_files``) and
within a time limit per input.
"""

import contextlib
import gzip
import io
import json
import os
import subprocess
import sys
import time
import traceback
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import REPOSITORY

# Inputs per reader: about 15 s in all on one core.
N_CASES = {"idx": 300, "image": 160, "model": 120}
# The most one input may take, in seconds (the slowest valid ones take ~0.1 s).
TIME_LIMIT = 5.0
# What the child may allocate beyond what its imports took.
HEADROOM = 768 * 2**20
SEED = 20_240_523

_INTERESTING = [0, 1, 0x7F, 0x80, 0xFF]
_INTERESTING_U32 = [0, 1, 2, 28, 255, 2**16, 2**31 - 1, 2**31, 2**32 - 1]


def mutate(data, rng):
    """``data`` with one to three random mutations."""
    data = bytearray(data)
    for _ in range(rng.integers(1, 4)):
        kind = rng.integers(7)
        at = int(rng.integers(len(data) + 1))
        if kind == 0 and data:  # flip bits
            for _ in range(rng.integers(1, 9)):
                data[int(rng.integers(len(data)))] ^= 1 << int(rng.integers(8))
        elif kind == 1 and data:  # an edge value
            data[min(at, len(data) - 1)] = int(rng.choice(_INTERESTING))
        elif kind == 2:  # a header field set to an extreme
            at = min(int(rng.integers(0, 64)), max(len(data) - 4, 0))
            value = int(rng.choice(_INTERESTING_U32))
            data[at : at + 4] = value.to_bytes(4, rng.choice(["big", "little"]))
        elif kind == 3:  # cut
            data = data[:at]
        elif kind == 4:  # insert random bytes
            data[at:at] = rng.integers(0, 256, rng.integers(1, 64), np.uint8).tobytes()
        elif kind == 5 and data:  # repeat a slice
            end = min(len(data), at + int(rng.integers(1, 256)))
            data[at:at] = data[at:end] * int(rng.integers(1, 4))
        elif data:  # delete a slice
            del data[at : at + int(rng.integers(1, 64))]
    return bytes(data)


# ------------------------------------------------------------------ the files


def idx_files():
    """Raw IDX files of the shipped sample: {name: bytes}."""
    from test_datasets import idx_bytes

    from sklearn_scratchnet.datasets import load_mnist_sample

    sample = load_mnist_sample()
    return {
        "images": idx_bytes(sample.X_test[:12].reshape(12, 28, 28)),
        "labels": idx_bytes(sample.y_test[:12]),
    }


def image_files():
    """A drawn digit saved in several formats: {suffix: bytes}."""
    from test_images import draw

    files = {}
    for suffix, image, options in [
        (".png", draw(7).resize((60, 72)), {}),
        (".jpg", draw(4).resize((60, 72)).convert("RGB"), {"quality": 90}),
        (".bmp", draw(1).resize((40, 48)), {}),
        (".gif", draw(0).resize((40, 48)), {}),
        (".tiff", draw(7).resize((40, 48)), {}),
        (".webp", draw(4).resize((60, 72)), {}),
        (".png", draw(0).resize((60, 72)).convert("LA"), {}),  # transparency
    ]:
        buffer = io.BytesIO()
        image.save(buffer, format=suffix[1:].replace("jpg", "jpeg"), **options)
        files.setdefault(suffix, []).append(buffer.getvalue())
    return files


def model_file(folder):
    """A small fitted model saved as skops."""
    from sklearn_scratchnet import ScratchMLPClassifier, persistence
    from sklearn_scratchnet.datasets import load_mnist_sample

    sample = load_mnist_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = ScratchMLPClassifier(hidden_size=3, max_iter=2, random_state=0)
        clf.fit(sample.X_train[:200] / 255, sample.y_train[:200])
    return persistence.dump(clf, folder / "model.skops").read_bytes()


def fix_png_checksums(data):
    """``data`` with each PNG chunk's CRC recomputed, as far as its chunks
    can be walked."""
    data = bytearray(data)
    at = 8
    while at + 12 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        end = at + 8 + length
        if end + 4 > len(data):
            break
        data[end : end + 4] = zlib.crc32(data[at + 4 : end]).to_bytes(4, "big")
        at = end + 4
    return bytes(data)


def rezipped(data, rng):
    """The model archive ``data`` with one member mutated (its schema.json
    half the time, else one of its arrays), zipped again."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        names = source.namelist()
        arrays = [name for name in names if name != "schema.json"]
        chosen = "schema.json" if rng.random() < 0.5 else rng.choice(arrays)
        for name in names:
            content = source.read(name)
            target.writestr(name, mutate(content, rng) if name == chosen else content)
    return out.getvalue()


# ------------------------------------------------------------------ the readers


def read_idx_case(data, folder, rng):
    """An IDX file, raw or gzip: an array or IDXFormatError."""
    from sklearn_scratchnet.datasets import IDXFormatError, read_idx

    compress = rng.random() < 0.5
    if compress and rng.random() < 0.5:
        data = gzip.compress(mutate(data, rng))  # reaches the parser
    elif compress:
        data = mutate(gzip.compress(data), rng)
    else:
        data = mutate(data, rng)
    path = folder / "file-idx3-ubyte"
    path.write_bytes(data)
    try:
        array = read_idx(path)
    except IDXFormatError:
        return "error"
    assert isinstance(array, np.ndarray) and array.dtype.isnative
    return "valid"


def read_image_case(data, suffix, folder, rng):
    """An image file: an MNIST-like digit or DigitImageError."""
    from sklearn_scratchnet.images import DigitImageError, load_digit_image

    data = mutate(data, rng)
    if suffix == ".png" and rng.random() < 0.5:
        data = fix_png_checksums(data)
    path = folder / f"digit{suffix}"
    path.write_bytes(data)
    try:
        pixels = load_digit_image(path)
    except DigitImageError:
        return "error"
    assert pixels.shape == (784,) and pixels.dtype == np.float32
    assert np.isfinite(pixels).all() and 0 <= pixels.min() <= pixels.max() <= 1
    return "valid"


def read_model_case(data, folder, rng):
    """A model file: ``scratchnet info`` ends with exit code 0 or 4."""
    from sklearn_scratchnet.cli import main

    data = rezipped(data, rng) if rng.random() < 0.5 else mutate(data, rng)
    path = folder / "model.skops"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        code = main(["info", str(path)])
    assert code in (0, 4), err.getvalue()
    if code == 4:
        assert "scratchnet info: error:" in err.getvalue()
    return "valid" if code == 0 else "error"


def fuzz(folder, seed=SEED, n_cases=N_CASES):
    """Run every reader on mutated files; a summary of the outcomes.

    Returns
    -------
    summary : dict
        ``outcomes``: {reader: {"valid": n, "error": n}}; ``failures``: each
        input that ended otherwise (an undocumented exception or a failed
        check), with its traceback; ``slowest``: seconds for the slowest input.
    """
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    idx, images, model = idx_files(), image_files(), model_file(folder)
    cases = {
        "idx": lambda: read_idx_case(idx[rng.choice(list(idx))], folder, rng),
        "image": lambda: _image_case(images, folder, rng),
        "model": lambda: read_model_case(model, folder, rng),
    }
    summary = {"outcomes": {}, "failures": [], "slowest": 0.0}
    for reader, case in cases.items():
        outcomes = summary["outcomes"].setdefault(reader, {"valid": 0, "error": 0})
        for number in range(n_cases[reader]):
            start = time.perf_counter()
            try:
                outcomes[case()] += 1
            except BaseException:  # anything else is a failure, MemoryError too
                summary["failures"].append(
                    f"{reader} case {number}:\n{traceback.format_exc()}"
                )
            elapsed = time.perf_counter() - start
            summary["slowest"] = max(summary["slowest"], elapsed)
            if elapsed > TIME_LIMIT:
                summary["failures"].append(
                    f"{reader} case {number} took {elapsed:.1f} s"
                )
    return summary


def _image_case(images, folder, rng):
    suffix = rng.choice(list(images))
    data = images[suffix][rng.integers(len(images[suffix]))]
    return read_image_case(data, suffix, folder, rng)


_CHILD = """\
import json, resource, sys
sys.path.insert(0, {tests!r})
import test_fuzz_readers
import sklearn_scratchnet.cli, sklearn_scratchnet.images, skops.io, PIL.Image
if {limit}:
    status = open("/proc/self/status").read()
    taken = int(status.split("VmSize:")[1].split()[0]) * 1024
    limit = taken + {headroom}
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
print(json.dumps(test_fuzz_readers.fuzz({folder!r})))
"""


def test_every_reader_ends_in_a_result_or_its_documented_error(tmp_path):
    code = _CHILD.format(
        tests=str(REPOSITORY / "tests"),
        limit=sys.platform == "linux",  # RLIMIT_AS is enforced on Linux only
        headroom=HEADROOM,
        folder=str(tmp_path),
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert not summary["failures"], "\n".join(summary["failures"])
    for reader, outcomes in summary["outcomes"].items():
        # Not vacuous: the mutations give valid inputs and refused ones alike.
        assert outcomes["valid"] >= 1 and outcomes["error"] >= 1, (reader, outcomes)
    assert summary["slowest"] < TIME_LIMIT
    print(summary["outcomes"], f"slowest input: {summary['slowest']:.2f} s")


@pytest.mark.parametrize("seed", [0, 1])
def test_mutations_are_seeded(seed):
    data = bytes(range(256)) * 4
    assert mutate(data, np.random.default_rng(seed)) == mutate(
        data, np.random.default_rng(seed)
    )
