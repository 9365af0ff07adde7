"""Digit images from files, preprocessed the way MNIST's digits were.

MNIST's digits are white on black, scaled (keeping their aspect ratio) to fit a
20 x 20 box and placed in a 28 x 28 image with their centre of mass at the
centre. :func:`load_digit_image` does the same to a photo or a drawing of any
size, dark on light or light on dark, so that a model trained on MNIST (pixels
/ 255) can classify it. Reading files needs Pillow.
"""

import os
import re
import struct
import warnings

import numpy as np
from scipy import ndimage

#: Side of an MNIST image, and of the box its digit is scaled to fit.
IMAGE_SIZE = 28
#: The most pixels an image may have (8192 x 8192, 67,108,864): room for
#: 64-megapixel photos, while reading one takes about 1 GiB at most (about 15
#: bytes a pixel, measured on a 24-megapixel photo). Below Pillow's own
#: ``Image.MAX_IMAGE_PIXELS``, so that an image read never raises its warning.
MAX_PIXELS = 8192 * 8192
DIGIT_BOX = 20
#: Where MNIST puts a digit's centre of mass (row, column): pixel (14, 14).
CENTRE = (14.0, 14.0)
# An image whose ink differs from its background by less than this share of the
# background's brightness is blank.
_MIN_CONTRAST = 0.1
# Backgrounds darker than this count as this dark when measuring ink against
# them (a black background would otherwise make any noise infinitely bright).
_DIM = 0.1
# Large images are averaged down to about this many pixels on their longer side:
# plenty for a digit that ends up 20 pixels high.
_WORKING_SIDE = 600
# The background is estimated on a grid about this many pixels across.
_BACKGROUND_GRID = 64
# Ink regions smaller than this share of the largest one are specks of noise.
_MIN_REGION = 0.1
# Most MNIST strokes are between these widths, in pixels of the 28 x 28 image:
# strokes far outside are thickened or thinned to them.
_THIN, _THICK = 1.8, 5.0
# Ink at this share of the strongest stroke near it is full (1.0), as the core
# of MNIST's strokes; ink below _EDGE does not count in the digit's size.
_FULL_INK = 0.9
_EDGE = 0.2


# What Pillow raises for a file it cannot read: OSError (UnidentifiedImageError
# included) and SyntaxError in its plugins, ValueError and EOFError in its
# decoders, struct.error on short headers.
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, struct.error)


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
        If the file is not an image Pillow can read, the image is blank, or it
        has more than :data:`MAX_PIXELS` pixels (67,108,864, 8192 x 8192): a
        size read from the file's header, so that such an image (perhaps a
        small file that would decode to gigabytes) is refused before decoding.
    """
    try:
        from PIL import Image, ImageOps
    except ImportError as exc:
        raise ImportError(
            "Reading images needs Pillow: pip install Pillow (it comes with "
            "the cli extra: python -m pip install '.[cli]' in a clone of "
            "sklearn-scratchnet)."
        ) from exc

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such image file.")
    try:
        with _open_bounded(path, Image) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
                white = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(white, image)
            gray = np.asarray(image.convert("L"), dtype=np.float32) / 255
    except DigitImageError:
        raise
    except _UNREADABLE as exc:
        raise DigitImageError(
            f"{path}: cannot read this file as an image ({exc}). Give a PNG or "
            "JPEG image of one digit."
        ) from exc
    try:
        return preprocess_digit(gray).ravel()
    except DigitImageError as exc:
        raise DigitImageError(f"{path}: {exc}") from None


def _open_bounded(path, Image):
    """The image file opened (its header read, its pixels not yet decoded).

    Raises
    ------
    DigitImageError
        If the image has more than :data:`MAX_PIXELS` pixels.
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels on: such images are refused.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:  # Pillow's own, larger limit
        # Its message: "Image size (N pixels) exceeds limit of M pixels, ...".
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_large(path, f"{int(found[1]):,} pixels" if found else exc) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise _too_large(path, f"{width} x {height} = {width * height:,} pixels")
    return image


def _too_large(path, size):
    return DigitImageError(
        f"{path}: the image is too large: {size}; images of at most "
        f"{MAX_PIXELS:,} pixels (8192 x 8192) are read. Scale it down or crop "
        "it around the digit: a few hundred pixels across are plenty."
    )


def preprocess_digit(image):
    """Turn a grayscale image of one digit into a 28 x 28 MNIST-like digit.

    Made for photos as well as drawings: uneven lighting, noise and a digit
    anywhere in the picture.

    1. The background (paper or board, with its shading) is estimated at a scale
       much larger than a stroke: a plane fitted robustly to the whole image,
       then a grey-level opening that follows uneven lighting. Ink is what
       differs from it, relative to its brightness; the side (darker or
       lighter) on which the image strays most from the background is the ink.
    2. Ink is separated from the background with Otsu's threshold (never below
       five times the background's noise, estimated from the image), and only
       the largest ink regions are kept, so that specks of noise and dirt are
       dropped.
    3. The digit, white on black, is cut out, its strokes thickened when they
       are much thinner than MNIST's and thinned when much thicker, scaled
       (aspect ratio kept, antialiased) to fit 20 x 20 pixels and placed in a
       28 x 28 image with its centre of mass at pixel (14, 14).

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
    image = _shrink(image, _WORKING_SIDE)
    ink = _ink(image)
    mask = _ink_mask(ink)
    if mask is None:
        raise DigitImageError(
            "no digit found: the image is blank (no stroke differs from the "
            "background)."
        )
    scale = DIGIT_BOX / _bounding_box(mask)[1]
    # Keep the ink's soft edges (antialiasing, blur) next to the kept regions,
    # and measure each stroke against the strongest ink near it, so that
    # strokes in the shade come out as bright as those in the light.
    near = ndimage.binary_dilation(mask, _disk(max(1, round(0.5 / scale))))
    nearby = ndimage.maximum_filter(ink * mask, size=max(3, round(4 / scale)))
    level = _FULL_INK * np.maximum(nearby, 0.1 * nearby.max())
    ink = np.clip(ink * near / level, 0, 1)
    box, side = _bounding_box(ink > _EDGE)
    scale = DIGIT_BOX / side
    ink = _match_stroke_width(ink[box], mask[box], scale)

    height, width = ink.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    patch = Image.fromarray(np.uint8(np.rint(ink * 255))).resize(
        size, Image.Resampling.LANCZOS
    )
    patch = np.asarray(patch, dtype=np.float32) / 255
    patch /= patch.max()

    # Place the patch so that its centre of mass lands on CENTRE, staying inside.
    digit = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    mass_row, mass_col = ndimage.center_of_mass(patch)
    top = int(np.clip(round(CENTRE[0] - mass_row), 0, IMAGE_SIZE - patch.shape[0]))
    left = int(np.clip(round(CENTRE[1] - mass_col), 0, IMAGE_SIZE - patch.shape[1]))
    digit[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
    return digit


def _bounding_box(mask):
    """The bounding box of ``mask``'s True pixels (a pair of slices), and its
    longer side."""
    box = ndimage.find_objects(mask.astype(np.uint8))[0]
    return box, max(axis.stop - axis.start for axis in box)


def _shrink(image, side):
    """``image`` averaged over blocks of pixels so that its longer side is at
    most about ``side`` pixels (an image already small enough is returned)."""
    factor = min(int(np.ceil(max(image.shape) / side)), min(image.shape))
    if factor <= 1:
        return image
    height, width = (n // factor * factor for n in image.shape)
    blocks = image[:height, :width].reshape(
        height // factor, factor, width // factor, factor
    )
    return blocks.mean(axis=(1, 3))


def _ink(image):
    """How much each pixel differs from the background, on the ink's side,
    relative to the background's brightness: 0 on the background, positive on
    the ink (light on dark, whatever the image's polarity)."""
    height, width = image.shape
    # The background at a scale far larger than a stroke, on a coarse grid: a
    # robust plane first (gradients of lighting), then what remains of shading.
    coarse = _shrink(image, _BACKGROUND_GRID)
    plane = _robust_plane(coarse)
    residual = coarse - plane
    polarity = 1 if _ink_side(residual) > 0 else -1
    # An opening removes from the polarity-corrected residual every stroke
    # narrower than a third of the image, leaving the shading. (A smaller one
    # follows small shadows better but starts eating broad strokes.)
    size = max(3, min(coarse.shape) // 3)
    shading = polarity * ndimage.grey_opening(polarity * residual, size=(size, size))
    shading = ndimage.gaussian_filter(shading, size / 4, mode="nearest")
    background = plane + shading
    if coarse.shape != image.shape:
        # zoom's output shape, round(coarse.shape * zoom), is the image's.
        zoom = (height / coarse.shape[0], width / coarse.shape[1])
        background = ndimage.zoom(background, zoom, order=1, mode="nearest")
    sigma = max(height, width) / 250
    if sigma >= 0.5:
        image = ndimage.gaussian_filter(image, sigma)
    # Ink darkens or brightens the background in proportion to the lighting.
    return polarity * (image - background) / np.maximum(background, _DIM)


def _robust_plane(image):
    """A plane fitted to the majority of the pixels (the background), ignoring
    the ones far from it (the ink)."""
    rows, cols = np.indices(image.shape, dtype=np.float64)
    design = np.column_stack([np.ones(image.size), rows.ravel(), cols.ravel()])
    values = image.ravel().astype(np.float64)
    keep = np.ones(image.size, dtype=bool)
    for _ in range(5):
        coef = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
        residual = values - design @ coef
        spread = 1.4826 * np.median(np.abs(residual - np.median(residual)))
        keep = np.abs(residual - np.median(residual)) <= 2.5 * spread + 1e-6
        if keep.sum() < 3:
            break
    return (design @ coef).reshape(image.shape)


def _ink_side(residual):
    """Positive if the ink is lighter than the background, negative if darker:
    the side on which pixels stray furthest beyond the background's noise."""
    centre = np.median(residual)
    spread = 1.4826 * np.median(np.abs(residual - centre))
    light = np.clip(residual - centre - 3 * spread, 0, None).sum()
    dark = np.clip(centre - residual - 3 * spread, 0, None).sum()
    return light - dark


def _otsu_threshold(values, bins=256):
    """Otsu's threshold: the level that best splits ``values`` into two classes
    (largest variance between the classes)."""
    counts, edges = np.histogram(values, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)[:-1]
    weight_high = values.size - weight_low
    mass = np.cumsum(counts * centres)
    mean_low = mass[:-1] / np.maximum(weight_low, 1)
    mean_high = (mass[-1] - mass[:-1]) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return edges[1:-1][np.argmax(between)]


def _ink_mask(ink):
    """The pixels of the digit: ink above Otsu's threshold, in the largest
    connected regions; None if the image holds no ink."""
    if ink.max() < _MIN_CONTRAST:
        return None
    centre = np.median(ink)
    noise = 1.4826 * np.median(np.abs(ink - centre))
    threshold = max(_otsu_threshold(ink.ravel()), centre + 5 * noise)
    threshold = max(threshold, _MIN_CONTRAST / 2)
    labels, count = ndimage.label(ink > threshold, structure=np.ones((3, 3)))
    if count == 0:
        return None
    areas = np.bincount(labels.ravel())[1:]
    kept = np.flatnonzero(areas >= _MIN_REGION * areas.max()) + 1
    mask = np.isin(labels, kept)
    if np.percentile(ink[mask], 90) < _MIN_CONTRAST:
        return None
    return mask


def _match_stroke_width(ink, mask, scale):
    """``ink`` with its strokes thickened or thinned towards MNIST's width,
    if once scaled by ``scale`` they would be far thinner or thicker."""
    edge = mask & ~ndimage.binary_erosion(mask)
    # A stroke of length L and width w covers w L pixels, with 2 L on its edge.
    width = 2 * mask.sum() / max(edge.sum(), 1) * scale
    if width < _THIN:
        return ndimage.grey_dilation(ink, footprint=_disk(_radius(_THIN, width, scale)))
    if width > _THICK:
        return ndimage.grey_erosion(ink, footprint=_disk(_radius(width, _THICK, scale)))
    return ink


def _radius(wide, narrow, scale):
    """The radius, in pixels before scaling, that turns strokes ``narrow``
    pixels wide into ``wide`` ones once scaled by ``scale``."""
    return max(1, round((wide - narrow) / 2 / scale))


def _disk(radius):
    rows, cols = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return rows**2 + cols**2 <= radius**2
