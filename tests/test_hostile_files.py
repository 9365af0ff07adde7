"""Hostile files: bombs that inflate far beyond their size on disk.

Each bomb is generated here, small on disk, and read in a child process whose
address space is limited to what it has after its imports plus
:data:`HEADROOM`: a reader that inflated the bomb would run out of memory
there, instead of taking the machine down.
"""

import gzip
import io
import os
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
import zipfile
import zlib

import numpy as np
import pytest
from conftest import REPOSITORY
from PIL import Image
from test_datasets import idx_bytes, write_mnist_folder
from test_images import draw

from sklearn_scratchnet import datasets, persistence
from sklearn_scratchnet.datasets import IDXFormatError, load_idx_folder, read_idx
from sklearn_scratchnet.exceptions import UntrustedModelError
from sklearn_scratchnet.images import MAX_PIXELS, DigitImageError, load_digit_image

# What a child may allocate beyond what its imports took: far more than reading
# any file of these tests needs, far less than a bomb inflates to.
HEADROOM = 768 * 2**20
# What a bomb inflates to: beyond the headroom.
BOMB_BYTES = 2 * 2**30

needs_linux = pytest.mark.skipif(
    sys.platform != "linux",
    reason="limits the address space (RLIMIT_AS), enforced on Linux only",
)

# The command's modules and those it imports when it needs them.
COMMAND_MODULES = ("sklearn_scratchnet.cli", "skops.io", "PIL.Image")

_LIMIT = """\
import resource, sys
import {modules}
# The address space the imports took, plus the headroom.
status = open("/proc/self/status").read()
taken = int(status.split("VmSize:")[1].split()[0]) * 1024
limit = taken + {headroom}
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
"""


def run_limited(code, modules, timeout=120):
    """Run Python ``code`` in a child whose address space is limited once it
    has imported ``modules``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    prelude = _LIMIT.format(modules=", ".join(modules), headroom=HEADROOM)
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPOSITORY,
    )


def run_command_limited(*argv, timeout=120):
    """``python -m sklearn_scratchnet ARGV`` with a limited address space."""
    code = f"""
    import runpy
    sys.argv = ["scratchnet", *{[str(arg) for arg in argv]!r}]
    runpy.run_module("sklearn_scratchnet", run_name="__main__", alter_sys=True)
    """
    return run_limited(code, COMMAND_MODULES, timeout=timeout)


def no_traceback(result):
    return "Traceback" not in result.stderr and "MemoryError" not in result.stderr


# ------------------------------------------------------------------ IDX files


def gzip_bomb(prefix, inflated=BOMB_BYTES):
    """gzip data that inflates to ``prefix`` then zeros, ``inflated`` bytes in all.

    One gzip member per MiB of zeros (about 1 KiB each): gzip readers read the
    members one after the other as one stream, and the bomb is made in
    milliseconds.
    """
    mib = 2**20
    zeros = gzip.compress(bytes(mib), compresslevel=9)
    n_members = (inflated - len(prefix)) // mib
    return gzip.compress(prefix) + zeros * n_members


def bomb_folder(folder, inflated=BOMB_BYTES):
    """An MNIST-layout folder whose training images are a gzip bomb behind a
    valid header: 10 images of 28 x 28 announced, ``inflated`` bytes inflated."""
    write_mnist_folder(folder, n_train=10, n_test=4, rows=28, cols=28)
    images = np.zeros((10, 28, 28), dtype=np.uint8)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip_bomb(idx_bytes(images), inflated))
    return path


def test_a_gzip_bomb_is_small_on_disk(tmp_path):
    path = bomb_folder(tmp_path)
    assert path.stat().st_size < 3 * 2**20


@needs_linux
def test_a_gzip_bomb_behind_a_valid_header_is_refused_in_bounded_memory(tmp_path):
    path = bomb_folder(tmp_path)
    result = run_limited(
        f"""
        from sklearn_scratchnet.datasets import IDXFormatError, read_idx
        try:
            read_idx({str(path)!r})
        except IDXFormatError as exc:
            print("refused:", exc)
        """,
        ["sklearn_scratchnet.datasets"],
    )
    assert result.returncode == 0, result.stderr
    assert f"refused: {path}: followed by extra bytes" in result.stdout
    assert "shape (10, 28, 28)" in result.stdout


@needs_linux
def test_train_on_a_gzip_bomb_is_exit_code_4(tmp_path):
    path = bomb_folder(tmp_path)
    result = run_command_limited(
        "train", "--data", tmp_path, "--out", tmp_path / "m.skops"
    )
    assert result.returncode == 4, result.stderr
    assert f"{path}: followed by extra bytes" in result.stderr
    assert no_traceback(result)
    assert not (tmp_path / "m.skops").exists()


@pytest.mark.parametrize("compress", [False, True])
def test_reading_holds_no_more_than_the_header_announces(tmp_path, compress):
    """Whatever follows the announced data is never read into memory."""
    announced = np.arange(100, dtype=np.uint8)
    data = idx_bytes(announced)
    path = tmp_path / "labels"
    trailing = 64 * 2**20
    if compress:
        path.write_bytes(gzip_bomb(data, inflated=len(data) + trailing))
    else:
        with open(path, "wb") as file:
            file.write(data)
            file.truncate(len(data) + trailing)  # sparse: no disk used
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match="followed by extra bytes"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "shape",
    [(4_000_000_000, 28, 28), (2**32 - 1,) * 4, (2**16,) * 4],
    ids=["4e9 images", "product beyond int64", "product 2**64, 0 in int64"],
)
def test_a_header_announcing_more_than_the_file_holds_is_truncated(
    tmp_path, compress, shape
):
    """Already right, kept so: a clear error, nothing allocated."""
    header = bytes([0, 0, 0x08, len(shape)]) + np.array(shape, ">u4").tobytes()
    data = header + bytes(1000 if shape[0] != 2**16 else 0)
    path = tmp_path / "images"
    path.write_bytes(gzip.compress(data) if compress else data)
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match="truncated: the header announces"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


@pytest.mark.parametrize("compress", [False, True])
def test_trailing_bytes_are_refused_raw_or_compressed(tmp_path, compress):
    data = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4)) + b"\x00"
    path = tmp_path / "array"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(IDXFormatError, match="followed by extra bytes"):
        read_idx(path)


def test_a_folder_with_a_gzip_bomb_is_refused(tmp_path):
    bomb_folder(tmp_path, inflated=64 * 2**20)
    with pytest.raises(IDXFormatError, match="train-images.*followed by extra"):
        load_idx_folder(tmp_path)


@pytest.mark.parametrize(
    "threshold", [0, 2**30], ids=["length counted first", "inflated at once"]
)
@pytest.mark.parametrize("extra", [-1, 0, 1, 5000])
def test_both_ways_of_reading_gzip_check_the_length(
    tmp_path, monkeypatch, threshold, extra
):
    monkeypatch.setattr(datasets, "_UNCHECKED_ALLOCATION", threshold)
    array = np.arange(3000, dtype=">i4").reshape(30, 100)
    data = idx_bytes(array)
    data = data[:extra] if extra < 0 else data + bytes(extra)
    path = tmp_path / "array.gz"
    path.write_bytes(gzip.compress(data))
    if extra == 0:
        np.testing.assert_array_equal(read_idx(path), array)
    else:
        problem = "truncated" if extra < 0 else "followed by extra bytes"
        with pytest.raises(IDXFormatError, match=problem):
            read_idx(path)


# --------------------------------------------------------------------- images


@pytest.fixture(scope="module")
def model_file(sample_model, tmp_path_factory):
    """A fitted model saved as skops."""
    path = tmp_path_factory.mktemp("model") / "digits.skops"
    return persistence.dump(sample_model[0], path)


def zlib_zeros(n_bytes, block=2**20):
    """A zlib stream of ``n_bytes`` zeros (a multiple of ``block``), made in
    milliseconds: after a full flush the compressor's output for the same input
    repeats, so one compressed block is written ``n_bytes // block`` times."""
    compressor = zlib.compressobj(9)
    first = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first[2:] == again and n_bytes % block == 0
    adler32 = ((n_bytes % 65521) << 16) | 1  # of n zeros: a = 1, b = n
    final = b"\x03\x00"  # an empty last block
    return first[:2] + again * (n_bytes // block) + final + adler32.to_bytes(4, "big")


def png_bomb(width, height, pixels=True):
    """A black grey-level PNG of ``width`` x ``height`` pixels, small on disk
    (about 1 KiB per MiB of pixels): valid, or with only its header when not
    ``pixels``."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = width + 1  # a filter byte, then the pixels
    if pixels:
        fit = range(1, min(height, 2**20 // row) + 1)
        rows_per_block = max(n for n in fit if height % n == 0)
        data = zlib_zeros(row * height, block=row * rows_per_block)
    else:
        data = zlib.compress(bytes(row))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def test_the_png_bomb_is_a_valid_image():
    side = 600  # small enough to decode here
    with Image.open(io.BytesIO(png_bomb(side, side))) as image:
        assert image.size == (side, side) and image.mode == "L"
        assert not np.asarray(image).any()


# Beyond the limit; below Pillow's own DecompressionBombError (2 x 89.5 million
# pixels), so that Pillow would decode it: 12,000 x 12,000 = 144 million pixels,
# about 150 KiB on disk.
LARGE_SIDE = 12_000
# Beyond Pillow's DecompressionBombError: 40,000 x 40,000 = 1.6 billion pixels.
HUGE_SIDE = 40_000


def test_the_pixel_limit_is_documented_and_below_pillows_warning():
    assert MAX_PIXELS == 8192 * 8192
    assert f"{MAX_PIXELS:,}" in load_digit_image.__doc__.replace("\n", " ")
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS  # accepted images never warn


@pytest.mark.parametrize("side", [LARGE_SIDE, HUGE_SIDE])
def test_an_image_beyond_the_pixel_limit_is_refused_before_decoding(tmp_path, side):
    path = tmp_path / "bomb.png"
    # The huge one is refused from its header: it needs no pixels.
    path.write_bytes(png_bomb(side, side, pixels=side == LARGE_SIDE))
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # not even Pillow's warning
            with pytest.raises(DigitImageError, match="bomb.png: the image is too"):
                load_digit_image(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


@needs_linux
def test_predict_on_an_image_bomb_is_exit_code_4(tmp_path, model_file):
    large, huge = tmp_path / "large.png", tmp_path / "huge.png"
    large.write_bytes(png_bomb(LARGE_SIDE, LARGE_SIDE))
    huge.write_bytes(png_bomb(HUGE_SIDE, HUGE_SIDE, pixels=False))
    result = run_command_limited("predict", model_file, large, huge)
    assert result.returncode == 4, result.stderr
    assert f"{large}: the image is too large: 12000 x 12000" in result.stderr
    assert f"{huge}: the image is too large: 1,600,000,000 pixels" in result.stderr
    assert no_traceback(result) and "DecompressionBomb" not in result.stderr


def test_a_24_megapixel_photo_is_read(tmp_path):
    digit = draw(7).resize((2500, 3000), Image.Resampling.BILINEAR)
    photo = Image.new("L", (6000, 4000), 235)
    photo.paste(digit, (1800, 500))
    path = tmp_path / "photo.jpg"
    photo.convert("RGB").save(path, quality=85)
    pixels = load_digit_image(path).reshape(28, 28)
    small = load_digit_image(_saved(draw(7), tmp_path / "small.png")).reshape(28, 28)
    assert np.corrcoef(pixels.ravel(), small.ravel())[0, 1] > 0.9


def _saved(image, path):
    image.save(path)
    return path


def unreadable_images(folder):
    """Files given as images that are none: {name: path}."""
    paths = {
        "empty": folder / "empty.png",
        "svg": folder / "drawing.svg",
        "truncated jpeg": folder / "cut.jpg",
    }
    paths["empty"].write_bytes(b"")
    paths["svg"].write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28">'
        '<path d="M 14 4 L 14 24" stroke="black"/></svg>'
    )
    draw(7).save(paths["truncated jpeg"], quality=90)
    cut = paths["truncated jpeg"].read_bytes()
    paths["truncated jpeg"].write_bytes(cut[: len(cut) // 2])
    return paths


@pytest.mark.parametrize("kind", ["empty", "svg", "truncated jpeg"])
def test_files_that_are_no_readable_image_are_refused(tmp_path, kind):
    """Already right, kept so."""
    path = unreadable_images(tmp_path)[kind]
    with pytest.raises(DigitImageError, match=f"{path.name}: cannot read this file"):
        load_digit_image(path)


def test_predict_on_files_that_are_no_readable_image_is_exit_code_4(
    tmp_path, model_file
):
    """Already right, kept so."""
    paths = unreadable_images(tmp_path)
    result = run_command("predict", model_file, *paths.values())
    assert result.returncode == 4, result.stderr
    for path in paths.values():
        assert f"{path}: cannot read this file as an image" in result.stderr
    assert "Traceback" not in result.stderr


def run_command(*argv):
    """``python -m sklearn_scratchnet ARGV`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "sklearn_scratchnet", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        cwd=REPOSITORY,
    )


# ---------------------------------------------------------------- model files


def zip_archive(members):
    """A zip archive of ``members``: {name: (method, crc, size, data)}, where
    ``data`` is already compressed (raw deflate for ZIP_DEFLATED)."""
    archive, central = b"", b""
    for name, (method, crc, size, data) in members.items():
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(name), 0)
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields)
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, len(archive)
        )
        central += name.encode()
        archive += local + name.encode() + data
    end = struct.pack(
        "<4s4H2LH",
        b"PK\x05\x06",
        0,
        0,
        len(members),
        len(members),
        len(central),
        len(archive),
        0,
    )
    return archive + central + end


def spaces_deflated(prefix, inflated, block=2**20):
    """Raw deflate data of ``prefix`` then spaces, ``inflated`` bytes in all,
    and its CRC-32: valid JSON when ``prefix`` is, made in about a second."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    spaces = b" " * block
    chunk = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert chunk == compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    n_blocks = (inflated - len(prefix)) // block
    crc = zlib.crc32(prefix)
    for _ in range(n_blocks + 1):
        crc = zlib.crc32(spaces, crc)
    data += chunk * (n_blocks + 1) + b"\x03\x00"  # the two flushed, then the end
    return data, crc, len(prefix) + (n_blocks + 1) * block


def skops_bomb(model_file, path, inflated=BOMB_BYTES):
    """``model_file`` with its schema.json padded with spaces (still valid
    JSON) to ``inflated`` bytes, deflated: about 2 MiB on disk for 2 GiB."""
    members = {}
    with zipfile.ZipFile(model_file) as model:
        for item in model.infolist():
            content = model.read(item)
            if item.filename == "schema.json":
                data, crc, size = spaces_deflated(content, inflated)
                members[item.filename] = (zipfile.ZIP_DEFLATED, crc, size, data)
            else:
                crc = zlib.crc32(content)
                members[item.filename] = (0, crc, len(content), content)
    path.write_bytes(zip_archive(members))
    return path


def test_the_skops_bomb_is_a_valid_model_file_small_on_disk(model_file, tmp_path):
    small = skops_bomb(model_file, tmp_path / "small.skops", inflated=2**22)
    with zipfile.ZipFile(small) as archive:
        assert archive.testzip() is None  # every CRC right
        assert archive.getinfo("schema.json").file_size >= 2**22
    loaded = persistence.load(small)  # 4 MiB: no bomb yet
    assert loaded.n_iter_ == persistence.load(model_file).n_iter_
    bomb = skops_bomb(model_file, tmp_path / "bomb.skops")
    assert bomb.stat().st_size < 4 * 2**20


@needs_linux
def test_a_skops_zip_bomb_is_refused_in_bounded_memory(model_file, tmp_path):
    bomb = skops_bomb(model_file, tmp_path / "bomb.skops")
    result = run_limited(
        f"""
        from sklearn_scratchnet import persistence
        from sklearn_scratchnet.exceptions import UntrustedModelError
        try:
            persistence.load({str(bomb)!r})
        except UntrustedModelError as exc:
            print("refused:", exc)
        """,
        ["sklearn_scratchnet.persistence", "skops.io"],
    )
    assert result.returncode == 0, result.stderr
    assert f"refused: {bomb} declares 2,1" in result.stdout
    assert "not a model file of ours" in result.stdout


@needs_linux
def test_commands_on_a_skops_zip_bomb_are_exit_code_4(model_file, tmp_path):
    bomb = skops_bomb(model_file, tmp_path / "bomb.skops")
    result = run_command_limited("info", bomb)
    assert result.returncode == 4, result.stderr
    assert f"{bomb} declares 2,1" in result.stderr
    assert no_traceback(result)


def test_a_model_compressed_by_hand_still_loads(model_file, tmp_path):
    """A model archive deflated (skops.io.dump's compression) loads as stored."""
    deflated = tmp_path / "deflated.skops"
    with (
        zipfile.ZipFile(model_file) as source,
        zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for item in source.infolist():
            out.writestr(item.filename, source.read(item))
    loaded = persistence.load(deflated)
    assert loaded.n_iter_ == persistence.load(model_file).n_iter_


def test_a_forged_skops_schema_is_exit_code_4(model_file, tmp_path):
    """Already right, kept so: a schema naming another type is refused."""
    forged = tmp_path / "forged.skops"
    with (
        zipfile.ZipFile(model_file) as source,
        zipfile.ZipFile(forged, "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "schema.json":
                content = content.replace(
                    b'"sklearn_scratchnet._classifier"', b'"os"'
                ).replace(b'"ScratchMLPClassifier"', b'"system"')
            target.writestr(item, content)
    result = run_command("info", forged)
    assert result.returncode == 4, result.stderr
    assert "os.system" in result.stderr and "not trusted" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("crc", ["of all", "of the declared bytes"])
def test_a_member_inflating_beyond_its_declared_size_is_never_inflated(
    model_file, tmp_path, crc
):
    """A bomb that declares its true size for none of its 64 MiB: refused as
    damaged, or read as the model its declared bytes hold, never inflated."""
    members = {}
    with zipfile.ZipFile(model_file) as model:
        for item in model.infolist():
            content = model.read(item)
            members[item.filename] = (0, zlib.crc32(content), len(content), content)
    schema = members["schema.json"][3]
    data, crc_of_all, _ = spaces_deflated(schema, 64 * 2**20)
    declared_crc = crc_of_all if crc == "of all" else zlib.crc32(schema)
    members["schema.json"] = (zipfile.ZIP_DEFLATED, declared_crc, len(schema), data)
    path = tmp_path / "liar.skops"
    path.write_bytes(zip_archive(members))
    tracemalloc.start()
    try:
        if crc == "of all":
            with pytest.raises(ValueError, match="damaged skops file: schema.json"):
                persistence.load(path)
        else:
            assert persistence.load(path).n_iter_ > 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_members_compressed_otherwise_than_by_deflate_are_refused(model_file, tmp_path):
    path = tmp_path / "bzip2.skops"
    with (
        zipfile.ZipFile(model_file) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, source.read(item))
    with pytest.raises(UntrustedModelError, match="otherwise than by deflate"):
        persistence.load(path)


def damaged_central_directory(model_file, path):
    """``model_file`` with its central directory's first signature broken: the
    end record is intact, so it still looks like a zip archive."""
    data = bytearray(model_file.read_bytes())
    start = struct.unpack("<L", data[-6:-2])[0]  # the end record's offset field
    data[start : start + 4] = b"PK\x09\x09"
    path.write_bytes(bytes(data))
    return path


def test_a_model_file_with_a_damaged_central_directory_is_refused(model_file, tmp_path):
    """Found by the fuzz test: zipfile.BadZipFile escaped is_skops_file."""
    path = damaged_central_directory(model_file, tmp_path / "damaged.skops")
    assert zipfile.is_zipfile(path)
    assert not persistence.is_skops_file(path)
    with pytest.raises(ValueError, match="neither a skops file nor a joblib"):
        persistence.load(path)
    result = run_command("info", path)
    assert result.returncode == 4, result.stderr
    assert "is not a model file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("compress", [False, True])
def test_a_header_of_more_dimensions_than_numpy_holds_is_refused(tmp_path, compress):
    """Found by the fuzz test: 255 dimensions of 1 value each are 1 value,
    which the file may hold, in a shape NumPy cannot make."""
    data = bytes([0, 0, 0x08, 255]) + np.ones(255, ">u4").tobytes() + b"\x07"
    path = tmp_path / "many-dimensions"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(IDXFormatError, match="255 dimensions.*NumPy"):
        read_idx(path)


def damaged_images(folder):
    """Images damaged so that Pillow raises a ValueError: {name: path}.

    Found by the fuzz test.
    """
    buffer = io.BytesIO()
    draw(1).resize((40, 48)).save(buffer, format="bmp")
    bmp = buffer.getvalue()
    compressed, palette = bytearray(bmp), bytearray(bmp)
    compressed[30] = 1  # the compression field: RLE8 on uncompressed pixels
    palette[46] = 2  # colours used: 2 of the 256 the palette holds
    ihdr = struct.pack(">IIBBBB", 28, 28, 8, 0, 0, 0)  # 12 of its 13 bytes
    chunks = [(b"IHDR", ihdr), (b"IEND", b"")]
    png = b"\x89PNG\r\n\x1a\n" + b"".join(
        len(data).to_bytes(4, "big")
        + kind
        + data
        + zlib.crc32(kind + data).to_bytes(4, "big")
        for kind, data in chunks
    )
    paths = {}
    for name, data in [
        ("rle.bmp", compressed),
        ("palette.bmp", palette),
        ("ihdr.png", png),
    ]:
        paths[name] = folder / name
        paths[name].write_bytes(bytes(data))
    return paths


@pytest.mark.parametrize("name", ["rle.bmp", "palette.bmp", "ihdr.png"])
def test_images_that_pillow_refuses_with_a_value_error_are_refused(tmp_path, name):
    path = damaged_images(tmp_path)[name]
    with pytest.raises(DigitImageError, match=f"{name}: cannot read this file"):
        load_digit_image(path)


def test_predict_on_images_pillow_refuses_with_a_value_error_is_exit_code_4(
    tmp_path, model_file
):
    paths = damaged_images(tmp_path)
    result = run_command("predict", model_file, *paths.values())
    assert result.returncode == 4, result.stderr
    for path in paths.values():
        assert f"{path}: cannot read this file as an image" in result.stderr
    assert "Traceback" not in result.stderr
