"""The figures of sklearn_scratchnet.plotting: drawn from the model, right size."""

import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from scipy import sparse
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_scratchnet import ScratchMLPClassifier, plotting
from sklearn_scratchnet.datasets import load_mnist_sample


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def saved_size(fig, path, dpi=100):
    fig.savefig(path, dpi=dpi)
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_loss_curves_draw_both_histories(sample_model, tmp_path):
    clf, _, _ = sample_model
    fig = plotting.LossCurveDisplay.from_estimator(clf).figure_
    (ax,) = fig.axes
    training, validation = ax.get_lines()
    np.testing.assert_allclose(training.get_ydata(), clf.loss_curve_)
    np.testing.assert_allclose(validation.get_ydata(), clf.validation_loss_curve_)
    np.testing.assert_array_equal(training.get_xdata(), np.arange(1, clf.n_iter_ + 1))
    assert saved_size(fig, tmp_path / "loss.png") == (640, 480)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_loss_curve_without_validation_set(sample_model, tmp_path):
    clf, X_test, y_test = sample_model
    plain = clone(clf).set_params(max_iter=3).fit(X_test, y_test)
    _, ax = plt.subplots(figsize=(5, 3))
    fig = plotting.LossCurveDisplay.from_estimator(plain, ax=ax).figure_
    assert len(fig.axes[0].get_lines()) == 1
    assert saved_size(fig, tmp_path / "loss.png", dpi=80) == (400, 240)


def test_loss_curves_into_given_axes(sample_model):
    clf, _, _ = sample_model
    fig, (left, right) = plt.subplots(1, 2)
    assert plotting.LossCurveDisplay.from_estimator(clf, ax=right).figure_ is fig
    assert len(right.get_lines()) == 2 and not left.get_lines()


def test_hidden_units_show_the_rows_of_W1(sample_model, tmp_path):
    clf, _, _ = sample_model
    fig = plotting.HiddenUnitsDisplay.from_estimator(clf).figure_
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == clf.hidden_size == 64
    for unit in (0, 17, 63):
        np.testing.assert_array_equal(
            images[unit].get_array(), clf.W1_[unit].reshape(28, 28)
        )
    # One colour scale, centred on zero, for all units.
    limit = np.abs(clf.W1_).max()
    assert all(image.get_clim() == (-limit, limit) for image in images)
    width, height = fig.get_size_inches() * 100
    assert saved_size(fig, tmp_path / "units.png") == (round(width), round(height))


def test_hidden_units_max_units_and_columns(sample_model, tmp_path):
    clf, _, _ = sample_model
    display = plotting.HiddenUnitsDisplay.from_estimator(clf, max_units=10, n_cols=5)
    fig = display.figure_
    fig.set_size_inches((5, 2.5))
    grid = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(grid) == 10 and sum(bool(ax.images) for ax in grid) == 10
    assert saved_size(fig, tmp_path / "units.png") == (500, 250)


def test_image_shape_must_fit_the_features(sample_model):
    clf, X_test, y_test = sample_model
    with pytest.raises(ValueError, match=r"image_shape=\(20, 20\) holds 400"):
        plotting.HiddenUnitsDisplay.from_estimator(clf, image_shape=(20, 20))
    with pytest.raises(ValueError, match="784 features"):
        plotting.MisclassifiedDigitsDisplay.from_estimator(
            clf, X_test, y_test, image_shape=(27, 27)
        )


def test_the_commands_confusion_matrix_counts_the_predictions(sample_model, tmp_path):
    from sklearn_scratchnet.cli._saving import _confusion_matrix

    clf, X_test, y_test = sample_model
    fig = _confusion_matrix(plt, clf, X_test, y_test).figure_
    expected = confusion_matrix(y_test, clf.predict(X_test))
    shown = np.array([int(text.get_text()) for text in fig.axes[0].texts])
    np.testing.assert_array_equal(shown.reshape(10, 10), expected)
    accuracy = np.trace(expected) / expected.sum()
    assert f"accuracy {accuracy:.4f}" in fig.axes[0].get_title()
    assert saved_size(fig, tmp_path / "cm.png") == (600, 550)


def test_misclassified_digits_are_wrong_and_labelled(sample_model, tmp_path):
    clf, X_test, y_test = sample_model
    y_pred = clf.predict(X_test)
    wrong = np.flatnonzero(y_pred != y_test)
    fig = plotting.MisclassifiedDigitsDisplay.from_estimator(
        clf, X_test, y_test, max_images=12
    ).figure_
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == min(12, wrong.size)
    for ax, index in zip(shown, wrong, strict=False):
        assert ax.get_title() == f"true {y_test[index]}, predicted {y_pred[index]}"
        np.testing.assert_array_equal(ax.images[0].get_array(),
                                      X_test[index].reshape(28, 28))  # fmt: skip
    assert f"{wrong.size} of {len(y_test)} digits misclassified" in fig.get_suptitle()
    width, height = fig.get_size_inches() * 100
    assert saved_size(fig, tmp_path / "wrong.png") == (round(width), round(height))


def test_no_misclassified_digit(sample_model):
    clf, X_test, _ = sample_model
    fig = plotting.MisclassifiedDigitsDisplay.from_estimator(
        clf, X_test[:50], clf.predict(X_test[:50])
    ).figure_
    assert "All 50 digits correctly classified" in fig.axes[0].texts[0].get_text()


@pytest.mark.parametrize(
    "draw, caller",
    [
        (
            lambda clf: plotting.LossCurveDisplay.from_estimator(clf),
            "LossCurveDisplay.from_estimator",
        ),
        (
            lambda clf: plotting.HiddenUnitsDisplay(clf.W1_).plot(),
            "HiddenUnitsDisplay.plot",
        ),
    ],
)
def test_without_matplotlib_the_error_says_what_to_install(
    sample_model, monkeypatch, draw, caller
):
    clf, _, _ = sample_model
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=f"{caller} requires matplotlib.*pip install"):
        draw(clf)


# ---------------------------------------------------------------- Display objects


@pytest.fixture(scope="module")
def pipeline_model():
    """MinMaxScaler + ScratchMLPClassifier fitted a few passes on the raw sample
    (pixels 0-255), early stopping recording a validation loss per pass:
    (pipeline, X_test, y_test)."""
    sample = load_mnist_sample()
    pipe = make_pipeline(
        MinMaxScaler(),
        ScratchMLPClassifier(
            hidden_size=16, solver="adam", alpha=0.01, batch_size=200, max_iter=4,
            early_stopping=True, random_state=0,
        ),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(sample.X_train, sample.y_train)
    assert pipe[-1].n_iter_ == 4 and len(pipe[-1].validation_loss_curve_) == 4
    return pipe, sample.X_test, sample.y_test


@pytest.fixture(params=["classifier", "pipeline"])
def fitted(request, sample_model, pipeline_model):
    """(estimator, its ScratchMLPClassifier, X_test, y_test), both kinds."""
    model, X_test, y_test = (
        sample_model if request.param == "classifier" else pipeline_model
    )
    final = model[-1] if request.param == "pipeline" else model
    return model, final, X_test, y_test


def integer_ticks(ax):
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    return all(float(t).is_integer() for t in ticks) and len(ticks) >= 2


def test_loss_curve_display_from_estimator(fitted):
    model, clf, _, _ = fitted
    display = plotting.LossCurveDisplay.from_estimator(model)
    assert isinstance(display, plotting.LossCurveDisplay)
    assert display.ax_.figure is display.figure_
    training, validation = display.lines_
    assert display.ax_.get_lines() == display.lines_
    np.testing.assert_allclose(training.get_ydata(), clf.loss_curve_)
    np.testing.assert_allclose(validation.get_ydata(), clf.validation_loss_curve_)
    passes = np.arange(1, len(clf.loss_curve_) + 1)
    np.testing.assert_array_equal(training.get_xdata(), passes)
    display.figure_.canvas.draw()
    assert integer_ticks(display.ax_)
    labels = [label.get_text() for label in display.ax_.get_xticklabels()]
    assert all(text.lstrip("\N{MINUS SIGN}-").isdigit() for text in labels if text)
    np.testing.assert_allclose(display.loss_curve, clf.loss_curve_)


def test_loss_curves_ticks_are_whole_passes(sample_model, pipeline_model):
    # matplotlib's default locator puts ticks at 2.5, 7.5, ... (20 passes) or at
    # 1.5, 2.5, ... (4 passes).
    for model in (sample_model[0], pipeline_model[0]):
        fig = plotting.LossCurveDisplay.from_estimator(model).figure_
        fig.canvas.draw()
        assert integer_ticks(fig.axes[0])


def test_loss_curve_display_plot_again_on_given_axes(sample_model):
    clf, _, _ = sample_model
    display = plotting.LossCurveDisplay(clf.loss_curve_, estimator_name="Scratch")
    fig, (left, right) = plt.subplots(1, 2)
    assert display.plot(ax=right, line_kw={"color": "red"}) is display
    assert display.ax_ is right and display.figure_ is fig
    assert len(display.lines_) == 1 and not left.get_lines()
    assert display.lines_[0].get_color() == "red"
    assert display.ax_.get_title().startswith("Scratch: Loss per pass (20 passes)")


def test_hidden_units_display_from_estimator(fitted):
    model, clf, _, _ = fitted
    display = plotting.HiddenUnitsDisplay.from_estimator(model, max_units=10)
    assert display.bounding_ax_ is None
    assert display.axes_.size >= 10
    assert all(ax.figure is display.figure_ for ax in display.axes_.flat)
    assert len(display.images_) == 10
    for unit, image in enumerate(display.images_):
        np.testing.assert_array_equal(image.get_array(), clf.W1_[unit].reshape(28, 28))
    limit = np.abs(clf.W1_[:10]).max()
    assert display.images_[0].get_clim() == (-limit, limit)
    assert display.colorbar_.mappable is display.images_[0]


def test_hidden_units_display_divides_a_given_axes(sample_model):
    clf, _, _ = sample_model
    fig, (left, right) = plt.subplots(1, 2, layout="constrained")
    display = plotting.HiddenUnitsDisplay(clf.W1_).plot(ax=right, max_units=6, n_cols=3)
    assert display.bounding_ax_ is right and display.figure_ is fig
    assert display.axes_.shape == (2, 3) and len(display.images_) == 6
    fig.canvas.draw()  # the layout engine copes with the nested grid
    with pytest.raises(ValueError, match="ax holds 2 axes but 6 images"):
        plotting.HiddenUnitsDisplay(clf.W1_).plot(ax=[left, right], max_units=6)


def test_misclassified_display_from_estimator(fitted):
    model, _, X_test, y_test = fitted
    y_pred = model.predict(X_test)
    wrong = np.flatnonzero(y_pred != y_test)
    display = plotting.MisclassifiedDigitsDisplay.from_estimator(
        model, X_test, y_test, max_images=5
    )
    assert len(display.images_) == 5 and display.bounding_ax_ is None
    assert display.images_[0].axes.figure is display.figure_
    np.testing.assert_array_equal(display.y_true, y_test[wrong])
    np.testing.assert_array_equal(display.y_pred, y_pred[wrong])
    for image, index in zip(display.images_, wrong, strict=False):
        # Drawn as given: the pipeline's raw pixels, not the scaled ones.
        np.testing.assert_array_equal(image.get_array(), X_test[index].reshape(28, 28))
        assert image.axes.get_title() == (
            f"true {y_test[index]}, predicted {y_pred[index]}"
        )
    assert display.figure_.get_suptitle().startswith(
        f"{wrong.size} of {len(y_test)} digits misclassified"
    )


@pytest.mark.parametrize("container", [sparse.csr_matrix, lambda X: X.tolist()])
def test_misclassified_display_from_sparse_or_list(sample_model, container):
    clf, X_test, y_test = sample_model
    X, y = X_test[:300], y_test[:300]
    wrong = np.flatnonzero(clf.predict(X) != y)
    display = plotting.MisclassifiedDigitsDisplay.from_estimator(
        clf, container(X), y.tolist(), max_images=3
    )
    np.testing.assert_array_equal(display.images, X[wrong])
    np.testing.assert_array_equal(
        display.images_[0].get_array(), X[wrong[0]].reshape(28, 28)
    )
    fig = display.figure_
    assert sum(bool(ax.images) for ax in fig.axes) == 3


def test_misclassified_display_none_wrong(sample_model):
    clf, X_test, _ = sample_model
    display = plotting.MisclassifiedDigitsDisplay.from_predictions(
        X_test[:5], clf.predict(X_test[:5]), clf.predict(X_test[:5])
    )
    assert display.images_ == [] and display.axes_.size == 0
    assert "All 5 digits" in display.bounding_ax_.texts[0].get_text()


def test_confusion_matrix_of_a_pipeline(pipeline_model):
    pipe, X_test, y_test = pipeline_model
    display = ConfusionMatrixDisplay.from_estimator(pipe, X_test, y_test)
    expected = confusion_matrix(y_test, pipe.predict(X_test))
    np.testing.assert_array_equal(display.confusion_matrix, expected)


DISPLAYS = [
    lambda est: plotting.LossCurveDisplay.from_estimator(est),
    lambda est: plotting.HiddenUnitsDisplay.from_estimator(est),
]


@pytest.mark.parametrize("draw", DISPLAYS)
def test_unfitted_model_or_pipeline_is_refused(draw):
    with pytest.raises(NotFittedError, match="ScratchMLPClassifier instance is not"):
        draw(ScratchMLPClassifier())
    with pytest.raises(NotFittedError, match="Pipeline instance is not fitted"):
        draw(make_pipeline(MinMaxScaler(), ScratchMLPClassifier()))


@pytest.mark.parametrize("draw", DISPLAYS)
def test_another_estimator_is_refused(draw):
    X, y = np.random.default_rng(0).random((20, 4)), np.arange(20) % 2
    with pytest.raises(
        TypeError,
        match=r"expects a fitted ScratchMLPClassifier or a Pipeline ending with "
        r"one; got LogisticRegression\.",
    ):
        draw(LogisticRegression().fit(X, y))
    with pytest.raises(
        TypeError, match=r"; got Pipeline ending with DummyClassifier\."
    ):
        draw(make_pipeline(MinMaxScaler(), DummyClassifier()).fit(X, y))


def test_misclassified_display_refuses_a_non_classifier(sample_model):
    _, X_test, y_test = sample_model
    with pytest.raises(TypeError, match="expects a fitted classifier"):
        plotting.MisclassifiedDigitsDisplay.from_estimator(
            MinMaxScaler().fit(X_test), X_test, y_test
        )
    with pytest.raises(NotFittedError):
        plotting.MisclassifiedDigitsDisplay.from_estimator(
            ScratchMLPClassifier(), X_test, y_test
        )


def test_displays_are_exported():
    for name in (
        "LossCurveDisplay",
        "HiddenUnitsDisplay",
        "MisclassifiedDigitsDisplay",
    ):
        assert name in plotting.__all__
