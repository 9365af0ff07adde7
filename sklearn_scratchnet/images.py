"""Digit images from files, preprocessed the way MNIST's digits were.

MNIST's digits are white on black, scaled (keeping their aspect ratio) to fit a
20 x 20 box and placed in a 28 x 28 image with their centre of mass at the
centre. :func:`load_digit_image` does the same to a photo or a drawing of any
size, dark on light or light on dark, so that a model trained on MNIST (pixels
/ 255) can classify it. Reading files needs Pillow.
"""

import os

import numpy as np
from scipy import ndimage

#: Side of an MNIST image, and of the box its digit is scaled to fit.
IMAGE_SIZE = 28
DIGIT_BOX = 20
#: Where MNIST puts a digit's centre of mass (row, column): pixel (14, 14).
CENTRE = (14.0, 14.0)
# Ink fainter than this share of the darkest stroke is noise (paper texture,
# JPEG artefacts) when finding the digit's bounding box.
_INK_THRESHOLD = 0.2
# An image whose ink differs from its background by less than this is blank.
_MIN_CONTRAST = 0.1


class DigitImageError(ValueError):
    """An image file cannot be read, or holds no digit."""


def load_digit_image(path):
    """Read an image file and preprocess it into an MNIST-like digit.

    Parameters
    ----------
    path : str or path-like
        A PNG, JPEG or any other image Pillow reads, of any size, with a dark
        digit on a light background or a light digit on a dark one.
        Transparent pixels count as white.

    Returns
    -------
    pixels : ndarray of shape (784,), dtype float32
        The digit as MNIST stores one, white (1.0) on black (0.0), row by row:
        what a model trained on MNIST pixels / 255 expects.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DigitImageError
        If the file is not an image Pillow can read, or the image is blank.
    """
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError as exc:
        raise ImportError(
            "Reading images needs Pillow: pip install Pillow (it comes with "
            "pip install 'sklearn-scratchnet[cli]')."
        ) from exc

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such image file.")
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
                white = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(white, image)
            gray = np.asarray(image.convert("L"), dtype=np.float32) / 255
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DigitImageError(
            f"{path}: cannot read this file as an image ({exc}). Give a PNG or "
            "JPEG image of one digit."
        ) from exc
    try:
        return preprocess_digit(gray).ravel()
    except DigitImageError as exc:
        raise DigitImageError(f"{path}: {exc}") from None


def preprocess_digit(image):
    """Turn a grayscale image of one digit into a 28 x 28 MNIST-like digit.

    The background is the median of the border pixels: a light background is
    inverted, so that the digit becomes light on dark. The background level is
    then subtracted and the contrast stretched to [0, 1]; the digit's bounding
    box is scaled (aspect ratio kept, antialiased) to fit 20 x 20 pixels and
    placed in a 28 x 28 image with its centre of mass at pixel (14, 14).

    Parameters
    ----------
    image : array-like of shape (height, width)
        Grayscale intensities in [0, 1] (0 black, 1 white).

    Returns
    -------
    digit : ndarray of shape (28, 28), dtype float32
        White (1.0) digit on black (0.0).

    Raises
    ------
    DigitImageError
        If the image is blank (no ink distinct from the background).
    """
    from PIL import Image

    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"Expected a 2-D grayscale image; got shape {image.shape}.")
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    background = float(np.median(border))
    if background > 0.5:
        image, background = 1 - image, 1 - background
    ink = np.clip(image - background, 0, None)
    if ink.max() < _MIN_CONTRAST:
        raise DigitImageError(
            "no digit found: the image is blank (no stroke differs from the "
            "background)."
        )
    ink /= ink.max()

    rows = np.flatnonzero((ink > _INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > _INK_THRESHOLD).any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = ink.shape
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    patch = Image.fromarray(np.uint8(np.rint(ink * 255))).resize(
        size, Image.Resampling.LANCZOS
    )
    patch = np.asarray(patch, dtype=np.float32) / 255

    # Place the patch so that its centre of mass lands on CENTRE, staying inside.
    digit = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    mass_row, mass_col = ndimage.center_of_mass(patch)
    top = int(np.clip(round(CENTRE[0] - mass_row), 0, IMAGE_SIZE - patch.shape[0]))
    left = int(np.clip(round(CENTRE[1] - mass_col), 0, IMAGE_SIZE - patch.shape[1]))
    digit[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
    return digit
