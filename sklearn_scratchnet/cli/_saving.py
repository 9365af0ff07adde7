"""What ``scratchnet train`` writes: the model file, safely, and its figures."""

import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

from sklearn_scratchnet import persistence, plotting
from sklearn_scratchnet.cli._common import EXIT_CANNOT_WRITE, CommandError, reason

#: The figures ``scratchnet train`` writes next to the model: suffix, what.
FIGURES = {
    "loss": "training and validation loss per pass",
    "hidden-units": "each hidden unit's incoming weights as a 28x28 image",
    "confusion-matrix": "confusion matrix on the test digits",
    "misclassified": "test digits the model gets wrong",
}

# Names that ask for a pickle (joblib) rather than a skops file.
PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle"}


def model_format(path):
    """skops unless the name asks for a pickle (.joblib, .pkl, .pickle)."""
    return "joblib" if path.suffix in PICKLE_SUFFIXES else "skops"


def save_model(clf, path):
    """Save ``clf`` to ``path``; if that fails, save it elsewhere and say where.

    Raises
    ------
    CommandError
        Exit code 5 when ``path`` cannot be written, naming where the model
        was saved instead (the working directory, else the temporary folder).
    """
    format = model_format(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        persistence.dump(clf, path, format=format)
        return
    except OSError as exc:
        error = f"cannot write the model to {path}: {reason(exc, path)}."
        cause = exc
    rescued = _save_elsewhere(clf, path, format)
    if rescued is None:
        error += (
            " It could not be saved in the working directory or the temporary "
            "folder either: the trained model is lost."
        )
    else:
        error += (
            f" The trained model was saved to {rescued} instead (figures not "
            "written); move it where you want it."
        )
    raise CommandError(error, EXIT_CANNOT_WRITE) from cause


def _save_elsewhere(clf, path, format):
    """Save ``clf`` under a new name like ``path``'s in the working directory,
    else the temporary folder; return where, or None if neither works."""
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        rescued = None
        try:
            handle, rescued = tempfile.mkstemp(
                prefix=f"{path.stem}-", suffix=path.suffix, dir=folder
            )
            os.close(handle)
            return persistence.dump(clf, rescued, format=format)
        except OSError:
            if rescued is not None:
                Path(rescued).unlink(missing_ok=True)
    return None


def figure_paths(model_path):
    """``{figure: path}`` of the figures written next to the model file."""
    stem = Path(model_path).with_suffix("")
    return {name: stem.with_name(f"{stem.name}-{name}.png") for name in FIGURES}


def save_figures(clf, X_test, y_test, model_path):
    """Write the PNG figures of a trained model next to its file.

    Parameters
    ----------
    clf : ScratchMLPClassifier
        The fitted model.
    X_test, y_test : arrays
        Test digits (pixels in [0, 1]) and labels.
    model_path : path-like
        The model file; the figures are named after it without its suffix:
        ``model.joblib`` gives ``model-loss.png`` and so on.

    Returns
    -------
    written : list of (pathlib.Path, str)
        Each file written and what it shows. The images of hidden units and
        misclassified digits are drawn only for square images.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    side = int(round(np.sqrt(clf.n_features_in_)))
    square = side * side == clf.n_features_in_
    draw = {
        "loss": lambda: plotting.LossCurveDisplay.from_estimator(
            clf, ax=plt.subplots(figsize=(6.4, 4.0), layout="constrained")[1]
        ),
        "hidden-units": lambda: plotting.HiddenUnitsDisplay.from_estimator(
            clf, image_shape=(side, side)
        ),
        "confusion-matrix": lambda: _confusion_matrix(plt, clf, X_test, y_test),
        "misclassified": lambda: plotting.MisclassifiedDigitsDisplay.from_estimator(
            clf, X_test, y_test, image_shape=(side, side)
        ),
    }
    if not square:
        del draw["hidden-units"], draw["misclassified"]
    paths = figure_paths(model_path)
    written = []
    for name, make in draw.items():
        path = paths[name]
        fig = make().figure_
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append((path, FIGURES[name]))
    return written


def _confusion_matrix(plt, clf, X_test, y_test):
    """scikit-learn's confusion matrix display of the test digits, in counts,
    titled with the accuracy."""
    _, ax = plt.subplots(figsize=(6, 5.5), layout="constrained")
    y_pred = clf.predict(X_test)
    display = ConfusionMatrixDisplay.from_predictions(
        y_test, y_pred, labels=clf.classes_, ax=ax, cmap="Blues", values_format="d",
        colorbar=False,
    )  # fmt: skip
    accuracy = float(np.mean(y_pred == np.asarray(y_test)))
    display.ax_.set_title(f"Confusion matrix (accuracy {accuracy:.4f})")
    return display
