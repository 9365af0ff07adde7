"""The figures of sklearn_scratchnet.plotting: drawn from the model, right size."""

import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone
from sklearn.metrics import confusion_matrix

from sklearn_scratchnet import plotting


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
    fig = plotting.plot_loss_curves(clf)
    (ax,) = fig.axes
    training, validation = ax.get_lines()
    np.testing.assert_allclose(training.get_ydata(), clf.loss_curve_)
    np.testing.assert_allclose(validation.get_ydata(), clf.validation_loss_curve_)
    np.testing.assert_array_equal(training.get_xdata(), np.arange(1, clf.n_iter_ + 1))
    assert saved_size(fig, tmp_path / "loss.png") == (640, 400)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_loss_curve_without_validation_set(sample_model, tmp_path):
    clf, X_test, y_test = sample_model
    plain = clone(clf).set_params(max_iter=3).fit(X_test, y_test)
    fig = plotting.plot_loss_curves(plain, figsize=(5, 3))
    assert len(fig.axes[0].get_lines()) == 1
    assert saved_size(fig, tmp_path / "loss.png", dpi=80) == (400, 240)


def test_loss_curves_into_given_axes(sample_model):
    clf, _, _ = sample_model
    fig, (left, right) = plt.subplots(1, 2)
    assert plotting.plot_loss_curves(clf, ax=right) is fig
    assert len(right.get_lines()) == 2 and not left.get_lines()


def test_hidden_units_show_the_rows_of_W1(sample_model, tmp_path):
    clf, _, _ = sample_model
    fig = plotting.plot_hidden_units(clf)
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
    fig = plotting.plot_hidden_units(clf, max_units=10, n_cols=5, figsize=(5, 2.5))
    grid = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(grid) == 10 and sum(bool(ax.images) for ax in grid) == 10
    assert saved_size(fig, tmp_path / "units.png") == (500, 250)


def test_image_shape_must_fit_the_features(sample_model):
    clf, X_test, y_test = sample_model
    with pytest.raises(ValueError, match=r"image_shape=\(20, 20\) holds 400"):
        plotting.plot_hidden_units(clf, image_shape=(20, 20))
    with pytest.raises(ValueError, match="784 features"):
        plotting.plot_misclassified(clf, X_test, y_test, image_shape=(27, 27))


def test_confusion_matrix_counts_the_predictions(sample_model, tmp_path):
    clf, X_test, y_test = sample_model
    fig = plotting.plot_confusion_matrix(clf, X_test, y_test)
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
    fig = plotting.plot_misclassified(clf, X_test, y_test, max_images=12)
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
    fig = plotting.plot_misclassified(clf, X_test[:50], clf.predict(X_test[:50]))
    assert "All 50 digits correctly classified" in fig.axes[0].texts[0].get_text()


def test_without_matplotlib_the_error_says_what_to_install(sample_model, monkeypatch):
    clf, _, _ = sample_model
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plotting.plot_loss_curves(clf)
