"""The "draw a digit" page: a fitted model as one self-contained HTML file.

:func:`to_html` writes a fitted :class:`~sklearn_scratchnet.ScratchMLPClassifier`
as a single HTML page that needs nothing installed and no network: open it in a
browser, draw a digit with the mouse, a finger or a pen, and watch the network
read it. The page holds the model's weights (float32, base64) and a short
script that computes the note's forward pass, each line commented with its
equation::

    Z1[j] = dot(W1, j, x, n) + b1[j];  // Z1 = W1 . A0 + b1
    A1[j] = g(Z1[j]);                  // A1 = g(Z1)
    Z2[c] = dot(W2, c, A1, h) + b2[c]; // Z2 = W2 . A1 + b2
    A2 = softmax(Z2);                  // A2 = softmax(Z2), or sigma(Z2) for two classes

The drawing is preprocessed as ``scratchnet predict`` preprocesses an image
(:func:`sklearn_scratchnet.images.preprocess_digit`, ported step by step):
cropped to the ink, scaled into 20 x 20 pixels, centred by mass in 28 x 28,
white on black with values in [0, 1] (MNIST pixels / 255). The page shows that
28 x 28 image, the probability of each class as a bar, the most probable class
large, and the hidden layer's ``A1`` as a strip of cells; Escape clears the
drawing.

For scripts, the page defines ``window.scratchnet``:

``scratchnet.predictProba(pixels)``
    The class probabilities (in the order of ``classes_``) of one image given
    as 784 grey levels 0-255, row by row, white digit on black (MNIST's own
    pixels): ``predict_proba`` of ``pixels / 255``.
``scratchnet.forward(x)``
    The forward pass on 784 values in [0, 1]: ``{Z1, A1, Z2, A2}``.
``scratchnet.preprocess(gray, width, height)``
    A drawing (grey levels 0-1, row by row, dark on white) as the 784 values the
    model takes, or null if it is blank.
``scratchnet.read()``
    The current drawing: ``{pixels, proba, A1, milliseconds}``.
``scratchnet.clear()``, ``scratchnet.model``
    Clear the drawing; the model's description and weights.

The model must take 784 pixels (28 x 28 images) and predict classes (two or
more, any labels); it may be a Pipeline whose other steps are ``"passthrough"``.
Models of multilabel targets, and Pipelines that transform the pixels before the
classifier (the page feeds the network pixels / 255 itself), are refused with a
ValueError.
"""

import base64
import html
import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sklearn_scratchnet._classifier import ScratchMLPClassifier
from sklearn_scratchnet._namespace import to_numpy
from sklearn_scratchnet._version import __version__
from sklearn_scratchnet.persistence import classifier_of, write_atomically

__all__ = ["to_html", "save_html", "SUFFIXES"]

#: File name suffixes of a page (``scratchnet export`` writes a page for them).
SUFFIXES = (".html", ".htm")

#: The number of pixels of the images the page draws: 28 x 28.
N_PIXELS = 28 * 28

_SUPPORTED = (
    "a fitted ScratchMLPClassifier of 784 pixels (28 x 28 images) and two or "
    "more classes, or a Pipeline whose other steps are 'passthrough'"
)


def to_html(model, *, title=None, accuracy=None):
    """The page that runs a fitted model on drawn digits, as HTML text.

    Parameters
    ----------
    model : ScratchMLPClassifier or Pipeline
        A fitted ScratchMLPClassifier that takes 784 pixels / 255 (MNIST's
        digits scaled to [0, 1]), or a Pipeline whose last step is one and
        whose other steps are ``"passthrough"``.
    title : str, default=None
        The page's title; "Draw a digit" by default.
    accuracy : float or tuple of (float, str), default=None
        An accuracy to show on the page: ``clf.score(X_test, y_test)``, or
        ``(accuracy, what it was measured on)``. Without it the page shows the
        model's validation accuracy when it recorded one.

    Returns
    -------
    page : str
        One self-contained HTML document: no script, style, font or image is
        loaded from elsewhere.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    ValueError
        If the page cannot run the model: not a ScratchMLPClassifier (or a
        Pipeline of one alone), multilabel targets, or inputs other than 784
        pixels.

    See Also
    --------
    save_html : Write the page to a file.

    Examples
    --------
    >>> from sklearn_scratchnet import ScratchMLPClassifier
    >>> from sklearn_scratchnet.datasets import load_mnist_sample, scale_pixels
    >>> from sklearn_scratchnet.page import to_html
    >>> sample = load_mnist_sample()
    >>> clf = ScratchMLPClassifier(hidden_size=32, solver="adam", alpha=0.01,
    ...                            batch_size=200, max_iter=5, random_state=0)
    >>> page = to_html(clf.fit(scale_pixels(sample.X_train), sample.y_train))
    >>> page.startswith("<!DOCTYPE html>") and "predictProba" in page
    True
    """
    clf = _page_classifier(model)
    fields = {
        "TITLE": html.escape(title or "Draw a digit"),
        "DESCRIPTION": html.escape(_description(clf, accuracy)),
        "HIDDEN_SIZE": str(clf.W1_.shape[0]),
        "EQUATIONS": html.escape(_equations(clf)),
        "VERSION": html.escape(__version__),
        "MODEL": _script_json(_model_fields(clf)),
        "SCRIPT": _template("page.js"),
    }
    # One pass over the template, so that no field's text is read as another's.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m[1]], _template("page.html"))


def save_html(model, path, **kwargs):
    """Write the page of a fitted model to an HTML file.

    The file is written whole or not at all: to a temporary file in the same
    folder first, then renamed over ``path``.

    Parameters
    ----------
    model : ScratchMLPClassifier or Pipeline
        A fitted model, as in :func:`to_html`.
    path : str or path-like
        The ``.html`` file to write; replaced if it exists.
    **kwargs : dict
        ``title`` and ``accuracy``, as in :func:`to_html`.

    Returns
    -------
    page : str
        The HTML text written (UTF-8).

    Raises
    ------
    IsADirectoryError
        If ``path`` is a folder.
    sklearn.exceptions.NotFittedError, ValueError
        As :func:`to_html`; the file is then left as it was.

    See Also
    --------
    to_html : The page as text.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; give the path of the .html file to write."
        )
    page = to_html(model, **kwargs)
    write_atomically(
        path, lambda temporary: Path(temporary).write_text(page, encoding="utf-8")
    )
    return page


def _page_classifier(model):
    """The ScratchMLPClassifier the page runs, or a ValueError saying why not."""
    if isinstance(model, Pipeline):
        transforming = [
            name for name, step in model.steps[:-1] if step not in (None, "passthrough")
        ]
        if transforming:
            raise ValueError(
                f"The page cannot run this Pipeline: its steps {transforming} "
                "transform the pixels before the classifier, and the page gives "
                f"the network pixels / 255 itself. It takes {_SUPPORTED}."
            )
    clf = classifier_of(model)
    if not isinstance(clf, ScratchMLPClassifier):
        raise ValueError(
            f"The page cannot run a {type(clf).__name__}. It takes {_SUPPORTED}."
        )
    check_is_fitted(clf)
    if clf._is_multilabel():
        raise ValueError(
            "The page cannot run a model of multilabel targets (an indicator "
            f"matrix): it shows one class per drawing. It takes {_SUPPORTED}."
        )
    if clf.n_features_in_ != N_PIXELS:
        raise ValueError(
            f"The page cannot run a model of {clf.n_features_in_} inputs: it "
            f"draws 28 x 28 images. It takes {_SUPPORTED}."
        )
    return clf


def _float32_base64(array):
    """The array's values as little-endian float32 bytes, in base64 text."""
    values = np.ascontiguousarray(to_numpy(array), dtype="<f4")
    return base64.b64encode(values.tobytes()).decode("ascii")


def _model_fields(clf):
    """What the page's script reads: sizes, activation, labels and weights."""
    return {
        "n_features": int(clf.W1_.shape[1]),
        "hidden_size": int(clf.W1_.shape[0]),
        "n_outputs": int(clf.W2_.shape[0]),
        "activation": clf.activation,
        "output": clf.out_activation_,
        "classes": [str(label) for label in clf.classes_],
        "W1": _float32_base64(clf.W1_),
        "b1": _float32_base64(clf.b1_),
        "W2": _float32_base64(clf.W2_),
        "b2": _float32_base64(clf.b2_),
        "pillow_vertical_first": _pillow_resizes_vertically_first(),
    }


def _pillow_resizes_vertically_first():
    """Whether this Pillow resizes an image whose height shrinks by far more
    pixels than its width down the columns first (Pillow 13 does, earlier
    versions never): the page's port of preprocess_digit resamples as the
    Pillow of ``scratchnet predict`` here does. The newest way without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return True
    # A fixed image whose two orders of passes give different pixels.
    probe = (np.arange(224 * 28) * 37 % 256).astype(np.uint8).reshape(224, 28)
    image, lanczos = Image.fromarray(probe), Image.Resampling.LANCZOS
    vertical_first = image.resize((28, 20), lanczos).resize((2, 20), lanczos)
    return image.resize((2, 20), lanczos).tobytes() == vertical_first.tobytes()


def _script_json(fields):
    """JSON safe inside a <script> element: no "<" to end it early."""
    return json.dumps(fields, separators=(",", ":")).replace("<", "\\u003c")


def _description(clf, accuracy):
    """One line on the model: its network, its training, its accuracy."""
    h, classes = clf.W1_.shape[0], [str(c) for c in clf.classes_]
    shown = ", ".join(classes)
    if len(classes) > 12:
        shown = f"{classes[0]} ... {classes[-1]}"
    text = (
        f"ScratchMLPClassifier: {clf.n_features_in_} pixels \u2192 {h} hidden "
        f"units ({clf.activation}) \u2192 {len(classes)} classes ({shown}). "
        f"Trained for {clf.n_iter_} passes, final training loss {clf.loss_:.4f}"
    )
    if accuracy is not None:
        value, what = accuracy if isinstance(accuracy, tuple) else (accuracy, None)
        text += f"; accuracy {100 * value:.1f} %" + (f" on {what}" if what else "")
    elif clf.validation_scores_ and clf.scoring in (None, "accuracy"):
        score = (
            clf.best_validation_score_
            if clf.early_stopping
            else clf.validation_scores_[-1]
        )
        text += f"; validation accuracy {100 * score:.1f} %"
    return text + "."


def _equations(clf):
    """The forward pass the page computes, in the note's words."""
    h, k = clf.W1_.shape[0], clf.W2_.shape[0]
    if clf.out_activation_ == "softmax":
        output = ("A2 = softmax(Z2)", f"{k} probabilities")
    else:
        output = ("A2 = sigma(Z2) = p", f"p: {clf.classes_[1]}")
    lines = [
        ("A0 = x / 255", "784 pixels"),
        ("Z1 = W1 . A0 + b1", f"W1: {h} x 784"),
        (f"A1 = {clf.activation}(Z1)", f"{h} hidden units"),
        ("Z2 = W2 . A1 + b2", f"W2: {k} x {h}"),
        output,
    ]
    return "\n".join(f"{equation:<19}{note}" for equation, note in lines)


def _template(name):
    """A file of the page's template, shipped in the package's data folder."""
    return (resources.files("sklearn_scratchnet") / "data" / name).read_text("utf-8")
