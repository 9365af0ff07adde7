"""Figures of a fitted ScratchMLPClassifier (needs matplotlib).

Following scikit-learn's visualization API, each figure is a Display object:
``Display.from_estimator(estimator, ...)`` computes what to draw and draws it;
the display keeps the data as attributes and the matplotlib objects drawn as
``figure_``, ``ax_`` or ``axes_`` and the artists (``lines_``, ``images_``);
``display.plot(...)`` draws the same data again, on new axes or given ones.
``estimator`` is a fitted :class:`~sklearn_scratchnet.ScratchMLPClassifier` or
a fitted :class:`~sklearn.pipeline.Pipeline` whose last step is one, such as
``make_pipeline(MinMaxScaler(), ScratchMLPClassifier())``.

* :class:`LossCurveDisplay`: training and validation loss per pass.
* :class:`HiddenUnitsDisplay`: each hidden unit's incoming weights (a row of
  the note's ``W1``) as an image: the pattern of pixels that unit responds to.
* :class:`MisclassifiedDigitsDisplay`: the digits a classifier gets wrong,
  with their true and predicted labels.
* The confusion matrix is scikit-learn's own
  :meth:`ConfusionMatrixDisplay.from_estimator
  <sklearn.metrics.ConfusionMatrixDisplay.from_estimator>`.

Each display's ``figure_`` is the :class:`matplotlib.figure.Figure` drawn on,
to show (``plt.show()``) or save (``display.figure_.savefig("name.png")``).
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

from sklearn_scratchnet._classifier import ScratchMLPClassifier

__all__ = [
    "HiddenUnitsDisplay",
    "LossCurveDisplay",
    "MisclassifiedDigitsDisplay",
]

#: MNIST's image shape, the default for drawing rows of pixels as images.
MNIST_SHAPE = (28, 28)


def _pyplot(caller):
    """matplotlib.pyplot, or scikit-learn's ImportError naming ``caller``."""
    check_matplotlib_support(caller)
    import matplotlib.pyplot as plt

    return plt


def _scratch_classifier(estimator, caller):
    """The fitted ScratchMLPClassifier of ``estimator`` (itself or a Pipeline's end),
    once matplotlib is found (else scikit-learn's ImportError naming ``caller``)."""
    check_matplotlib_support(caller)
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    if not isinstance(final, ScratchMLPClassifier):
        got = type(estimator).__name__
        if isinstance(estimator, Pipeline):
            got += f" ending with {type(final).__name__}"
        raise TypeError(
            f"{caller} expects a fitted ScratchMLPClassifier or a Pipeline ending "
            f"with one; got {got}."
        )
    check_is_fitted(estimator)
    return final


def _check_image_shape(n_features, image_shape):
    if int(np.prod(image_shape)) != n_features:
        raise ValueError(
            f"image_shape={tuple(image_shape)} holds {int(np.prod(image_shape))} "
            f"pixels but the data has {n_features} features; pass the shape of "
            "the images the model was trained on."
        )


class _ImageGridDisplay:
    """A display of images in a grid: cells ``_cell`` inches (in a new figure)
    titled in ``_fontsize`` points."""

    def _draw_grid(self, plt, ax, images, n_cols, titles, title, **imshow):
        """Draw ``images`` (rows of pixels) in a grid, each with its title,
        ``imshow`` passed to ``imshow``, ``title`` above the grid.

        As in :class:`~sklearn.inspection.PartialDependenceDisplay`: ``ax=None``
        makes a new figure sized to the grid; a single Axes is divided into the
        grid (and becomes ``bounding_ax_``); an array of Axes is used as given.
        ``axes_`` is a 2-D object array; every cell's frame is hidden.
        """
        n_images = len(images)
        if ax is None or isinstance(ax, plt.Axes):
            n_cols = max(1, min(n_cols or int(np.ceil(np.sqrt(n_images))), n_images))
            n_rows = int(np.ceil(n_images / n_cols))
            if ax is None:
                figure = plt.figure(
                    figsize=(self._cell * n_cols + 0.4, self._cell * n_rows + 0.6),
                    layout="constrained",
                )
                specs = figure.add_gridspec(n_rows, n_cols)
                bounding_ax = None
            else:
                ax.set_axis_off()
                figure, bounding_ax = ax.figure, ax
                specs = ax.get_subplotspec().subgridspec(n_rows, n_cols)
            axes = specs.subplots(squeeze=False)
        else:
            axes = np.asarray(ax, dtype=object)
            if axes.size < n_images:
                raise ValueError(
                    f"ax holds {axes.size} axes but {n_images} images are to be "
                    "drawn; pass at least as many axes, a single Axes to divide, "
                    "or None."
                )
            axes = axes.reshape(axes.shape[0], -1) if axes.ndim > 1 else axes[None, :]
            figure, bounding_ax = axes.flat[0].figure, None
        self.figure_, self.bounding_ax_, self.axes_ = figure, bounding_ax, axes
        for cell in axes.flat:
            cell.set_axis_off()
        self.images_ = []
        for cell, pixels, name in zip(axes.flat, images, titles, strict=False):
            self.images_.append(cell.imshow(pixels.reshape(self.image_shape), **imshow))
            cell.set_title(name, fontsize=self._fontsize)
        if bounding_ax is None:
            figure.suptitle(title)
        else:
            bounding_ax.set_title(title)


class LossCurveDisplay:
    """Training loss, and validation loss when recorded, per pass.

    Create it with :meth:`from_estimator`; all parameters are stored as
    attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_passes,)
        Training loss after each pass over the data (``loss_curve_``).
    validation_loss_curve : array-like of shape (n_validated,), default=None
        Validation loss of the last ``n_validated`` passes
        (``validation_loss_curve_``); not drawn when None or empty.
    estimator_name : str, default=None
        Name of the estimator, shown in the title when given.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The training loss line, then the validation loss line when drawn.
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    HiddenUnitsDisplay : Each hidden unit's incoming weights as an image.
    sklearn.model_selection.LearningCurveDisplay : Score against training size.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_scratchnet import ScratchMLPClassifier
    >>> from sklearn_scratchnet.datasets import load_mnist_sample
    >>> mnist = load_mnist_sample()
    >>> model = make_pipeline(
    ...     MinMaxScaler(),
    ...     ScratchMLPClassifier(hidden_size=16, solver="adam", max_iter=3),
    ... )
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # 3 passes do not converge
    ...     model = model.fit(mnist.X_train, mnist.y_train)
    >>> from sklearn_scratchnet.plotting import LossCurveDisplay
    >>> display = LossCurveDisplay.from_estimator(model)
    >>> [len(line.get_xdata()) for line in display.lines_]
    [3]
    """

    def __init__(self, loss_curve, validation_loss_curve=None, *, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, line_kw=None, validation_line_kw=None):
        """Draw the curves, passes numbered from 1 on the horizontal axis.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure and axes when None.
        line_kw : dict, default=None
            Keyword arguments passed to ``ax.plot`` for the training loss.
        validation_line_kw : dict, default=None
            Keyword arguments passed to ``ax.plot`` for the validation loss.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        passes = np.arange(1, len(self.loss_curve) + 1)
        self.lines_ = ax.plot(
            passes, self.loss_curve, **{"label": "training loss", **(line_kw or {})}
        )
        if self.validation_loss_curve is not None and len(self.validation_loss_curve):
            # Recorded from the first fit that had a validation set on (warm_start).
            validated = passes[len(passes) - len(self.validation_loss_curve) :]
            self.lines_ += ax.plot(
                validated,
                self.validation_loss_curve,
                **{"label": "validation loss", **(validation_line_kw or {})},
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("pass over the training data (epoch)")
        ax.set_ylabel("cross-entropy loss")
        title = f"Loss per pass ({len(passes)} passes)"
        if self.estimator_name:
            title = f"{self.estimator_name}: {title}"
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, name=None, line_kw=None, validation_line_kw=None
    ):
        """Draw the loss curves recorded by a fitted estimator.

        Parameters
        ----------
        estimator : ScratchMLPClassifier or Pipeline
            A fitted ScratchMLPClassifier, or a fitted Pipeline whose last step
            is one; its ``loss_curve_`` and ``validation_loss_curve_`` (present
            when it had a validation set) are drawn.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure and axes when None.
        name : str, default=None
            Name shown in the title; none when None.
        line_kw, validation_line_kw : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : LossCurveDisplay
        """
        clf = _scratch_classifier(estimator, f"{cls.__name__}.from_estimator")
        display = cls(clf.loss_curve_, clf.validation_loss_curve_, estimator_name=name)
        return display.plot(
            ax=ax, line_kw=line_kw, validation_line_kw=validation_line_kw
        )


class HiddenUnitsDisplay(_ImageGridDisplay):
    """Each hidden unit's incoming weights drawn as an image.

    Row ``j`` of the note's ``W1`` weighs every pixel's contribution to hidden
    unit ``j``: red pixels push the unit on, blue ones off. The colour scale is
    shared by all units and centred on zero. Create it with
    :meth:`from_estimator`; all parameters are stored as attributes.

    Parameters
    ----------
    weights : ndarray of shape (n_units, n_features)
        One row of incoming weights per hidden unit (``W1_``).
    image_shape : (int, int), default=(28, 28)
        Shape of the input images; its product must be ``n_features``.

    Attributes
    ----------
    images_ : list of matplotlib AxesImage
        One image per unit drawn, in unit order.
    colorbar_ : matplotlib Colorbar
        The shared colour scale.
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_cols)
        The grid, one unit per axes (cells past the last unit stay empty).
    bounding_ax_ : matplotlib Axes or None
        The Axes divided into the grid when ``plot`` was given one; else None.
    figure_ : matplotlib Figure
        Figure containing the grid.

    See Also
    --------
    LossCurveDisplay : Training and validation loss per pass.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_scratchnet import ScratchMLPClassifier
    >>> from sklearn_scratchnet.datasets import load_mnist_sample
    >>> mnist = load_mnist_sample()
    >>> model = make_pipeline(
    ...     MinMaxScaler(),
    ...     ScratchMLPClassifier(hidden_size=16, solver="adam", max_iter=3),
    ... )
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # 3 passes do not converge
    ...     model = model.fit(mnist.X_train, mnist.y_train)
    >>> from sklearn_scratchnet.plotting import HiddenUnitsDisplay
    >>> display = HiddenUnitsDisplay.from_estimator(model)
    >>> len(display.images_), display.axes_.shape
    (16, (4, 4))
    """

    _cell, _fontsize = 1.1, 8

    def __init__(self, weights, *, image_shape=MNIST_SHAPE):
        self.weights = weights
        self.image_shape = image_shape

    def plot(self, ax=None, *, max_units=100, n_cols=None, cmap="RdBu_r"):
        """Draw the first ``max_units`` units, one image each, titled by index.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            None: a new figure sized to the grid (about one inch per unit). A
            single Axes: divided into the grid. An array of Axes: one per unit.
        max_units : int, default=100
            Draw at most this many units (the first ones).
        n_cols : int, default=None
            Number of columns of the grid; about the square root of the number
            of units when None (ignored when ``ax`` is an array).
        cmap : str or matplotlib Colormap, default="RdBu_r"
            Colour map, best a diverging one: the scale is centred on zero.

        Returns
        -------
        display : HiddenUnitsDisplay
            The display, with ``images_``, ``colorbar_``, ``axes_``,
            ``bounding_ax_`` and ``figure_`` set.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        weights = np.asarray(self.weights)
        _check_image_shape(weights.shape[1], self.image_shape)
        weights = weights[:max_units]
        limit = float(np.abs(weights).max(initial=0)) or 1.0  # the grid refuses 0 units
        titles = map("unit {}".format, range(len(weights)))
        title = "Hidden units' incoming weights (rows of W1)"
        imshow = {"cmap": cmap, "vmin": -limit, "vmax": limit}
        self._draw_grid(plt, ax, weights, n_cols, titles, title, **imshow)
        self.colorbar_ = self.figure_.colorbar(
            self.images_[0], ax=self.axes_.ravel().tolist(), shrink=0.6, label="weight"
        )
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        image_shape=MNIST_SHAPE,
        ax=None,
        max_units=100,
        n_cols=None,
        cmap="RdBu_r",
    ):
        """Draw the hidden units of a fitted estimator.

        Parameters
        ----------
        estimator : ScratchMLPClassifier or Pipeline
            A fitted ScratchMLPClassifier, or a fitted Pipeline whose last step
            is one; its ``W1_`` is drawn (in the features that step receives).
        image_shape : (int, int), default=(28, 28)
            Shape of the input images; its product must be the classifier's
            number of features.
        ax, max_units, n_cols, cmap
            Passed to :meth:`plot`.

        Returns
        -------
        display : HiddenUnitsDisplay
        """
        clf = _scratch_classifier(estimator, f"{cls.__name__}.from_estimator")
        display = cls(clf.W1_, image_shape=image_shape)
        return display.plot(ax=ax, max_units=max_units, n_cols=n_cols, cmap=cmap)


class MisclassifiedDigitsDisplay(_ImageGridDisplay):
    """The digits a classifier gets wrong, titled with true and predicted labels.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; all
    parameters are stored as attributes.

    Parameters
    ----------
    images : ndarray of shape (n_wrong, n_features)
        The misclassified digits' pixels, in the order to draw them.
    y_true : ndarray of shape (n_wrong,)
        Their true labels.
    y_pred : ndarray of shape (n_wrong,)
        Their predicted labels.
    n_samples : int
        How many digits were classified in all (for the title).
    image_shape : (int, int), default=(28, 28)
        Shape of the images; its product must be ``n_features``.

    Attributes
    ----------
    images_ : list of matplotlib AxesImage
        One image per digit drawn.
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_cols)
        The grid, one digit per axes; empty (shape (0, 0)) when no digit is
        misclassified.
    bounding_ax_ : matplotlib Axes or None
        The Axes divided into the grid when ``plot`` was given one, or the one
        axes that says that no digit is misclassified; else None.
    figure_ : matplotlib Figure
        Figure containing the digits.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : How many digits of each class are
        predicted as each other class.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_scratchnet import ScratchMLPClassifier
    >>> from sklearn_scratchnet.datasets import load_mnist_sample
    >>> mnist = load_mnist_sample()
    >>> model = make_pipeline(
    ...     MinMaxScaler(),
    ...     ScratchMLPClassifier(hidden_size=16, solver="adam", max_iter=3),
    ... )
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # 3 passes do not converge
    ...     model = model.fit(mnist.X_train, mnist.y_train)
    >>> from sklearn_scratchnet.plotting import MisclassifiedDigitsDisplay
    >>> display = MisclassifiedDigitsDisplay.from_estimator(
    ...     model, mnist.X_test, mnist.y_test, max_images=4
    ... )
    >>> len(display.images_)
    4
    """

    _cell, _fontsize = 1.3, 7

    def __init__(self, images, y_true, y_pred, *, n_samples, image_shape=MNIST_SHAPE):
        self.images = images
        self.y_true = y_true
        self.y_pred = y_pred
        self.n_samples = n_samples
        self.image_shape = image_shape

    def plot(self, ax=None, *, max_images=36, n_cols=None, cmap="gray_r"):
        """Draw the first ``max_images`` misclassified digits.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            None: a new figure sized to the grid (about 1.3 inches per digit).
            A single Axes: divided into the grid. An array of Axes: one per
            digit.
        max_images : int, default=36
            Draw at most this many digits (the first ones).
        n_cols : int, default=None
            Number of columns; about the square root of the number drawn when
            None (ignored when ``ax`` is an array).
        cmap : str or matplotlib Colormap, default="gray_r"
            Colour map of the pixels.

        Returns
        -------
        display : MisclassifiedDigitsDisplay
            The display, with ``images_``, ``axes_``, ``bounding_ax_`` and
            ``figure_`` set.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        images = np.asarray(self.images)
        n_wrong = len(images)
        self.images_ = []
        if n_wrong == 0:
            if ax is None:
                _, ax = plt.subplots(figsize=(4, 1.5), layout="constrained")
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                f"All {self.n_samples} digits correctly classified",
                ha="center",
            )
            self.figure_, self.bounding_ax_ = ax.figure, ax
            self.axes_ = np.empty((0, 0), dtype=object)
            return self
        _check_image_shape(images.shape[1], self.image_shape)
        shown = images[:max_images]
        titles = map("true {}, predicted {}".format, self.y_true, self.y_pred)
        title = f"{n_wrong} of {self.n_samples} digits misclassified" + (
            f" (first {len(shown)} shown)" if n_wrong > len(shown) else ""
        )
        self._draw_grid(plt, ax, shown, n_cols, titles, title, cmap=cmap)
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        image_shape=MNIST_SHAPE,
        ax=None,
        max_images=36,
        n_cols=None,
        cmap="gray_r",
    ):
        """Draw the digits of (X, y) that a fitted classifier gets wrong.

        Parameters
        ----------
        estimator : fitted classifier
            Any fitted scikit-learn classifier or Pipeline ending with one, such
            as ``make_pipeline(MinMaxScaler(), ScratchMLPClassifier())``.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Digits, as the estimator takes them; drawn as given.
        y : array-like of shape (n_samples,)
            True labels.
        image_shape : (int, int), default=(28, 28)
            Shape of the images; its product must be the number of features.
        ax, max_images, n_cols, cmap
            Passed to :meth:`plot`.

        Returns
        -------
        display : MisclassifiedDigitsDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        if not is_classifier(estimator):
            raise TypeError(
                f"{caller} expects a fitted classifier (or a Pipeline ending with "
                f"one); got {type(estimator).__name__}."
            )
        check_is_fitted(estimator)
        return cls.from_predictions(
            X,
            y,
            estimator.predict(X),
            image_shape=image_shape,
            ax=ax,
            max_images=max_images,
            n_cols=n_cols,
            cmap=cmap,
        )

    @classmethod
    def from_predictions(
        cls,
        X,
        y_true,
        y_pred,
        *,
        image_shape=MNIST_SHAPE,
        ax=None,
        max_images=36,
        n_cols=None,
        cmap="gray_r",
    ):
        """Draw the digits of X whose predicted label differs from the true one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Digits, drawn as given.
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            Predicted labels.
        image_shape : (int, int), default=(28, 28)
            Shape of the images; its product must be the number of features.
        ax, max_images, n_cols, cmap
            Passed to :meth:`plot`.

        Returns
        -------
        display : MisclassifiedDigitsDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_predictions")
        if not hasattr(X, "shape"):
            X = np.asarray(X)
        _check_image_shape(X.shape[1], image_shape)
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        wrong = np.flatnonzero(y_pred != y_true)
        images = _safe_indexing(X, wrong)
        images = images.toarray() if hasattr(images, "toarray") else np.asarray(images)
        display = cls(
            images,
            y_true[wrong],
            y_pred[wrong],
            n_samples=len(y_true),
            image_shape=image_shape,
        )
        return display.plot(ax=ax, max_images=max_images, n_cols=n_cols, cmap=cmap)
