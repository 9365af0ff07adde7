"""Digit images read from files and preprocessed the MNIST way."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sklearn_scratchnet.images import (
    CENTRE,
    DigitImageError,
    load_digit_image,
    preprocess_digit,
)


def to_image(pixels):
    """A 28x28 MNIST digit (floats in [0, 1], white on black) as an 8-bit image."""
    return Image.fromarray(np.uint8(np.rint(pixels.reshape(28, 28) * 255)))


def as_drawn(pixels, size=(100, 80), digit_side=70, offset=(5, 3)):
    """The digit as a person might draw it: black on white, larger, off-centre."""
    digit = to_image(1 - pixels).resize((digit_side, digit_side), Image.BICUBIC)
    canvas = Image.new("L", size, 255)
    canvas.paste(digit, offset)
    return canvas


def draw(digit):
    """A digit drawn with thick strokes on a 200x240 white canvas."""
    image = Image.new("L", (200, 240), 255)
    pen = ImageDraw.Draw(image)
    strokes = {
        0: lambda: pen.ellipse((50, 30, 150, 210), outline=0, width=14),
        1: lambda: pen.line((100, 30, 100, 210), fill=0, width=14),
        7: lambda: (
            pen.line((40, 40, 160, 40), fill=0, width=14),
            pen.line((160, 40, 80, 210), fill=0, width=14),
        ),
        4: lambda: (
            pen.line((60, 30, 40, 130), fill=0, width=14),
            pen.line((40, 130, 160, 130), fill=0, width=14),
            pen.line((130, 40, 130, 210), fill=0, width=14),
        ),
    }
    strokes[digit]()
    return image


def correlation(a, b):
    return np.corrcoef(np.ravel(a), np.ravel(b))[0, 1]


def test_an_mnist_digit_comes_back_unchanged(sample_model):
    """MNIST digits are already preprocessed: doing it again changes little."""
    _, X_test, _ = sample_model
    scores = [correlation(preprocess_digit(x.reshape(28, 28)), x) for x in X_test[:200]]
    assert np.median(scores) > 0.99 and np.mean(np.array(scores) > 0.9) > 0.95


@pytest.mark.parametrize(
    ("variant", "suffix"),
    [
        ("white-on-black 28x28", ".png"),
        ("black-on-white 100x80", ".png"),
        ("black-on-white 100x80", ".jpg"),
        ("transparent 100x80", ".png"),
    ],
)
def test_real_digits_from_files_are_recognised(sample_model, tmp_path, variant, suffix):
    clf, X_test, y_test = sample_model
    digits, labels = X_test[:60], y_test[:60]
    paths = []
    for i, pixels in enumerate(digits):
        if variant.startswith("white-on-black"):
            image = to_image(pixels)
        else:
            image = as_drawn(pixels, offset=(5 + i % 25, 3 + i % 7))
        if variant.startswith("transparent"):
            # Ink as opaque black, paper as fully transparent.
            alpha = Image.eval(image, lambda v: 255 - v)
            image = Image.merge("RGBA", (image, image, image, alpha))
        path = tmp_path / f"digit{i}{suffix}"
        image.save(path)
        paths.append(path)
    read = np.array([load_digit_image(path) for path in paths])
    assert read.shape == (60, 784) and read.dtype == np.float32
    assert read.min() >= 0 and read.max() == pytest.approx(1)
    assert (
        np.median([correlation(r, d) for r, d in zip(read, digits, strict=True)]) > 0.85
    )
    from_files, from_pixels = clf.predict(read), clf.predict(digits)
    assert np.mean(from_files == from_pixels) >= 0.9
    assert np.mean(from_files == labels) >= 0.85


@pytest.mark.parametrize("digit", [0, 1, 4, 7])
def test_a_drawn_digit_is_recognised(sample_model, tmp_path, digit):
    clf, _, _ = sample_model
    path = tmp_path / f"drawn{digit}.png"
    draw(digit).save(path)
    proba = clf.predict_proba(load_digit_image(path)[np.newaxis])[0]
    assert clf.classes_[np.argmax(proba)] == digit and proba.max() > 0.5


def test_the_digit_is_scaled_into_20_pixels_and_centred_by_mass():
    image = np.ones((300, 200))  # white paper
    image[20:80, 150:170] = 0  # a dark bar far off-centre, 60 x 20 pixels
    digit = preprocess_digit(image)
    rows = np.flatnonzero(digit.max(axis=1) > 0.2)
    cols = np.flatnonzero(digit.max(axis=0) > 0.2)
    assert rows[-1] - rows[0] + 1 == 20 and cols[-1] - cols[0] + 1 in (6, 7, 8)
    mass = np.array(np.nonzero(digit)).T
    centre = np.average(mass, axis=0, weights=digit[digit > 0])
    np.testing.assert_allclose(centre, CENTRE, atol=0.5)
    assert digit.max() == pytest.approx(1) and digit[0, 0] == 0


def test_a_blank_image_is_an_error(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (50, 50), 250).save(path)
    with pytest.raises(DigitImageError, match="blank.png: no digit found"):
        load_digit_image(path)


def test_a_file_that_is_not_an_image_is_an_error(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(DigitImageError, match="notes.png: cannot read this file"):
        load_digit_image(path)


def test_a_truncated_image_is_an_error(tmp_path):
    path = tmp_path / "cut.png"
    draw(1).save(path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DigitImageError, match="cut.png: cannot read"):
        load_digit_image(path)


def test_a_missing_image_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        load_digit_image(tmp_path / "nowhere.png")
