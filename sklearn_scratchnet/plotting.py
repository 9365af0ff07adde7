"""Figures of a fitted ScratchMLPClassifier (needs matplotlib).

* :func:`plot_loss_curves`: training and validation loss per pass.
* :func:`plot_hidden_units`: each hidden unit's incoming weights (a row of the
  note's ``W1``) as an image: the pattern of pixels that unit responds to.
* :func:`plot_confusion_matrix`: scikit-learn's
  :class:`~sklearn.metrics.ConfusionMatrixDisplay` on test data.
* :func:`plot_misclassified`: test digits the model gets wrong, with their true
  and predicted labels.

Each function returns the :class:`matplotlib.figure.Figure` it drew on, to show
(``plt.show()``) or save (``fig.savefig("name.png")``).
"""

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.utils.validation import check_is_fitted

#: MNIST's image shape, the default for drawing rows of pixels as images.
MNIST_SHAPE = (28, 28)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "sklearn_scratchnet.plotting needs matplotlib: pip install matplotlib "
            "(or pip install 'sklearn-scratchnet[plot]')."
        ) from exc
    return plt


def _axes(ax, figsize):
    """``ax`` and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    return _pyplot().subplots(figsize=figsize, layout="constrained")


def _grid(n_images, n_cols, figsize, cell=1.1):
    """A figure with a grid of at least ``n_images`` image axes, frames hidden."""
    n_cols = max(1, min(n_cols or int(np.ceil(np.sqrt(n_images))), n_images))
    n_rows = int(np.ceil(n_images / n_cols))
    fig, axes = _pyplot().subplots(
        n_rows,
        n_cols,
        figsize=figsize or (cell * n_cols + 0.4, cell * n_rows + 0.6),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.ravel():
        ax.set_axis_off()
    return fig, axes.ravel()


def _check_image_shape(n_features, image_shape):
    if int(np.prod(image_shape)) != n_features:
        raise ValueError(
            f"image_shape={tuple(image_shape)} holds {int(np.prod(image_shape))} "
            f"pixels but the data has {n_features} features; pass the shape of "
            "the images the model was trained on."
        )


def plot_loss_curves(clf, *, ax=None, figsize=(6.4, 4.0)):
    """Plot the training loss, and the validation loss when recorded, per pass.

    Parameters
    ----------
    clf : ScratchMLPClassifier
        A fitted classifier; its ``loss_curve_`` and ``validation_loss_curve_``
        (present when it had a validation set) are drawn.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    figsize : (float, float), default=(6.4, 4.0)
        Size in inches of a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.
    """
    check_is_fitted(clf)
    fig, ax = _axes(ax, figsize)
    epochs = np.arange(1, len(clf.loss_curve_) + 1)
    ax.plot(epochs, clf.loss_curve_, label="training loss")
    if clf.validation_loss_curve_:
        # Recorded from the first fit that had a validation set on (warm_start).
        validated = epochs[len(epochs) - len(clf.validation_loss_curve_) :]
        ax.plot(validated, clf.validation_loss_curve_, label="validation loss")
    ax.set_xlabel("pass over the training data (epoch)")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title(f"Loss per pass ({clf.n_iter_} passes)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_hidden_units(
    clf, *, image_shape=MNIST_SHAPE, max_units=100, n_cols=None, figsize=None
):
    """Draw each hidden unit's incoming weights as an image.

    Row ``j`` of the note's ``W1`` (``clf.W1_[j]``) weighs every pixel's
    contribution to hidden unit ``j``: red pixels push the unit on, blue ones
    off. The colour scale is shared by all units and centred on zero.

    Parameters
    ----------
    clf : ScratchMLPClassifier
        A fitted classifier.
    image_shape : (int, int), default=(28, 28)
        Shape of the input images; its product must be ``clf.n_features_in_``.
    max_units : int, default=100
        Draw at most this many units (the first ones).
    n_cols : int, default=None
        Number of columns of the grid; about the square root of the number of
        units when None.
    figsize : (float, float), default=None
        Size in inches; about one inch per unit when None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure: one image per hidden unit, titled with its index.
    """
    check_is_fitted(clf)
    _check_image_shape(clf.W1_.shape[1], image_shape)
    weights = clf.W1_[:max_units]
    fig, axes = _grid(len(weights), n_cols, figsize)
    limit = float(np.abs(weights).max()) or 1.0
    for unit, (ax, row) in enumerate(zip(axes, weights, strict=False)):
        image = ax.imshow(
            row.reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit
        )
        ax.set_title(f"unit {unit}", fontsize=8)
    fig.colorbar(image, ax=axes.tolist(), shrink=0.6, label="weight")
    fig.suptitle("Hidden units' incoming weights (rows of W1)")
    return fig


def plot_confusion_matrix(clf, X, y, *, normalize=None, ax=None, figsize=(6, 5.5)):
    """Plot the confusion matrix of ``clf`` on (X, y).

    A thin wrapper over scikit-learn's
    :meth:`ConfusionMatrixDisplay.from_predictions
    <sklearn.metrics.ConfusionMatrixDisplay.from_predictions>`, titled with the
    accuracy.

    Parameters
    ----------
    clf : fitted classifier
        The model to evaluate.
    X : array-like of shape (n_samples, n_features)
        Test data, preprocessed as for training (MNIST: pixels / 255).
    y : array-like of shape (n_samples,)
        True labels.
    normalize : {"true", "pred", "all"}, default=None
        As in :func:`sklearn.metrics.confusion_matrix`; counts when None.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    figsize : (float, float), default=(6, 5.5)
        Size in inches of a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.
    """
    fig, ax = _axes(ax, figsize)
    y_pred = clf.predict(X)
    display = ConfusionMatrixDisplay.from_predictions(
        y,
        y_pred,
        labels=clf.classes_,
        normalize=normalize,
        ax=ax,
        cmap="Blues",
        values_format=None if normalize else "d",
        colorbar=False,
    )
    accuracy = float(np.mean(y_pred == np.asarray(y)))
    display.ax_.set_title(f"Confusion matrix (accuracy {accuracy:.4f})")
    return fig


def plot_misclassified(
    clf, X, y, *, image_shape=MNIST_SHAPE, max_images=36, n_cols=None, figsize=None
):
    """Show the digits of (X, y) that ``clf`` gets wrong.

    Parameters
    ----------
    clf : fitted classifier
        The model to evaluate.
    X : array-like of shape (n_samples, n_features)
        Test data, preprocessed as for training (MNIST: pixels / 255).
    y : array-like of shape (n_samples,)
        True labels.
    image_shape : (int, int), default=(28, 28)
        Shape of the images; its product must be the number of features.
    max_images : int, default=36
        Show at most this many (the first ones in X).
    n_cols : int, default=None
        Number of columns; about the square root of the number shown when None.
    figsize : (float, float), default=None
        Size in inches; about one inch per image when None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One image per misclassified digit titled "true T, predicted P", or a
        note saying that none is misclassified.
    """
    X, y = np.asarray(X), np.asarray(y)
    _check_image_shape(X.shape[1], image_shape)
    y_pred = clf.predict(X)
    wrong = np.flatnonzero(y_pred != y)
    if wrong.size == 0:
        fig, ax = _axes(None, figsize or (4, 1.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"All {len(y)} digits correctly classified", ha="center")
        return fig
    shown = wrong[:max_images]
    fig, axes = _grid(len(shown), n_cols, figsize, cell=1.3)
    for ax, index in zip(axes, shown, strict=False):
        ax.imshow(X[index].reshape(image_shape), cmap="gray_r")
        ax.set_title(f"true {y[index]}, predicted {y_pred[index]}", fontsize=7)
    fig.suptitle(
        f"{wrong.size} of {len(y)} digits misclassified"
        + (f" (first {len(shown)} shown)" if wrong.size > len(shown) else "")
    )
    return fig
