"""The "draw a digit" page's HTML: self-contained, the model's weights, refusals.

What the page computes, in a browser, is tested in test_page_browser.py.
"""

import base64
import fnmatch
import json
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import load_mnist_sample, scale_pixels
from sklearn_scratchnet.page import (
    _pillow_resizes_vertically_first,
    save_html,
    to_html,
)

ROOT = Path(__file__).parent.parent


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def small(**params):
    return ScratchMLPClassifier(
        **{"hidden_size": 8, "solver": "adam", "alpha": 0.01, "batch_size": 200,
           "max_iter": 2, "random_state": 0, **params}
    )  # fmt: skip


@pytest.fixture(scope="module")
def sample():
    sample = load_mnist_sample()
    return scale_pixels(sample.X_train), sample.y_train


@pytest.fixture(scope="module")
def clf(sample):
    return fitted(small(), *sample)


def embedded_model(page):
    """The JSON the page's script reads its model from."""
    match = re.search(
        r'<script id="scratchnet-model" type="application/json">(.*?)</script>',
        page,
        re.S,
    )
    return json.loads(match[1])


def weights(fields, name):
    return np.frombuffer(base64.b64decode(fields[name]), dtype="<f4")


def test_the_page_embeds_the_weights_as_float32(clf):
    fields = embedded_model(to_html(clf))
    for name in ["W1", "b1", "W2", "b2"]:
        expected = getattr(clf, f"{name}_").astype(np.float32).ravel()
        np.testing.assert_array_equal(weights(fields, name), expected)
    assert fields["n_features"] == 784 and fields["hidden_size"] == 8
    assert fields["n_outputs"] == 10 and fields["output"] == "softmax"
    assert fields["activation"] == "relu"
    assert fields["classes"] == [str(c) for c in range(10)]


def test_a_float64_model_is_embedded_in_float32(sample):
    X, y = sample
    clf = fitted(small(activation="tanh"), X.astype(np.float64), y)
    assert clf.W1_.dtype == np.float64
    fields = embedded_model(to_html(clf))
    np.testing.assert_array_equal(
        weights(fields, "W1"), clf.W1_.astype(np.float32).ravel()
    )
    assert fields["activation"] == "tanh"


def test_a_binary_model_has_one_output_unit_and_its_labels(sample):
    X, y = sample
    labels = np.where(y % 2, "odd <b>", "even")
    clf = fitted(small(), X, labels)
    page = to_html(clf)
    fields = embedded_model(page)
    assert fields["n_outputs"] == 1 and fields["output"] == "logistic"
    assert fields["classes"] == ["even", "odd <b>"]
    assert "<b>" not in page  # labels are text, escaped in the HTML and the JSON
    assert "odd &lt;b&gt;" in page


def test_the_page_is_self_contained(clf):
    page = to_html(clf, title="Digits & more")
    # Nothing is loaded: no address, no src or href attribute, no CSS import or
    # url(), no script that fetches or connects.
    loads = (
        r"\b(?:https?|ftp|file|data|blob):|\bsrc=|\bhref=|@import|url\(|fetch\("
        r"|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(|Worker\("
    )
    assert not re.search(loads, page), re.search(loads, page)
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script id="scratchnet-model" type="application/json">',
        "<script>",
    ]
    assert "{{" not in page and "}}" not in page  # every field filled
    assert "<title>Digits &amp; more</title>" in page
    assert "predictProba" in page


def test_the_page_shows_the_model_and_its_accuracy(sample, clf):
    page = to_html(clf, accuracy=(0.9731, "MNIST's 10,000 test digits"))
    assert "784 pixels \u2192 8 hidden units (relu) \u2192 10 classes" in page
    assert "accuracy 97.3 % on MNIST&#x27;s 10,000 test digits" in page
    assert "accuracy 50.0 %" in to_html(clf, accuracy=0.5)
    # Without one given, the validation accuracy the model recorded.
    stopped = fitted(small(early_stopping=True, max_iter=3), *sample)
    expected = f"validation accuracy {100 * stopped.best_validation_score_:.1f} %"
    assert expected in to_html(stopped)
    assert "accuracy" not in to_html(clf).split("<main>")[0]


def test_the_page_shows_the_equations_it_computes(clf):
    page = to_html(clf)
    for line in ["Z1 = W1 . A0 + b1", "A1 = relu(Z1)", "Z2 = W2 . A1 + b2"]:
        assert line in page
    assert "A2 = softmax(Z2)" in page
    script = page.split("<script>")[1]
    for comment in [
        "// Z1 = W1 . A0 + b1",
        "// A1 = g(Z1)",
        "// Z2 = W2 . A1 + b2",
        "// A2 = softmax(Z2)",
        "// A2 = sigma(Z2)",
    ]:
        assert comment in script


def test_the_page_of_100_hidden_units_is_under_600_kb(sample):
    X, y = sample
    clf = fitted(small(hidden_size=100, max_iter=1), X, y)
    size = len(to_html(clf).encode("utf-8"))
    assert 100 * 784 * 4 < size < 600_000  # the float32 weights, in base64


def test_a_pipeline_of_the_classifier_alone_is_accepted(sample, clf):
    pipeline = fitted(make_pipeline("passthrough", small()), *sample)
    fields = embedded_model(to_html(pipeline))
    expected = pipeline[-1].W2_.astype(np.float32).ravel()
    np.testing.assert_array_equal(weights(fields, "W2"), expected)


def test_models_the_page_cannot_run_are_refused_saying_what_it_takes(sample):
    X, y = sample
    supported = "It takes a fitted ScratchMLPClassifier of 784 pixels"
    cases = {
        "steps \\['minmaxscaler'\\] transform the pixels": fitted(
            make_pipeline(MinMaxScaler(), small()), X, y
        ),
        "multilabel targets": fitted(
            small(), X[:500], np.column_stack([y[:500] % 2, y[:500] > 4]).astype(int)
        ),
        "a model of 392 inputs": fitted(small(), X[:, ::2], y),
        "cannot run a LogisticRegression": fitted(
            LogisticRegression(max_iter=5), X[:300], y[:300]
        ),
    }
    for reason, model in cases.items():
        with pytest.raises(ValueError, match=reason) as error:
            to_html(model)
        assert supported in str(error.value)
    with pytest.raises(NotFittedError):
        to_html(small())


def test_save_html_writes_the_page_atomically(tmp_path, clf):
    path = tmp_path / "page.html"
    path.write_text("an older page")
    page = save_html(clf, path, title="Mine")
    assert path.read_text(encoding="utf-8") == page
    assert "<title>Mine</title>" in page
    assert os.listdir(tmp_path) == ["page.html"]

    with pytest.raises(IsADirectoryError, match="give the path of the .html file"):
        save_html(clf, tmp_path)
    with pytest.raises(NotFittedError):
        save_html(small(), path)
    assert path.read_text(encoding="utf-8") == page  # left as it was
    assert os.listdir(tmp_path) == ["page.html"]


def test_the_template_ships_with_the_package():
    # An installed (not editable) package has the page's template files.
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["sklearn_scratchnet"]
    for name in ["data/page.html", "data/page.js"]:
        assert (ROOT / "sklearn_scratchnet" / name).is_file()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


def test_the_page_resizes_in_the_order_this_pillow_does(clf, monkeypatch):
    # The page's port of preprocess_digit resizes the digit with Pillow's
    # Lanczos filter in two passes; the order matters to the last grey level.
    # It goes down the columns first when the exporting Pillow does so, for
    # heights that shrink by more than twice as many pixels as the widths.
    from PIL import Image

    vertical_first = embedded_model(to_html(clf))["pillow_vertical_first"]
    assert vertical_first is _pillow_resizes_vertically_first()
    lanczos = Image.Resampling.LANCZOS
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(60):
        height, width = (int(n) for n in rng.integers(10, 150, 2))
        new_height, new_width = (int(n) for n in rng.integers(1, 30, 2))
        image = Image.fromarray(rng.integers(0, 256, (height, width), np.uint8))
        along_rows_first = image.resize((new_width, height), lanczos)
        down_columns_first = image.resize((width, new_height), lanczos)
        orders = [
            along_rows_first.resize((new_width, new_height), lanczos).tobytes(),
            down_columns_first.resize((new_width, new_height), lanczos).tobytes(),
        ]
        if orders[0] == orders[1]:
            continue
        columns_first = (
            vertical_first
            and new_height < height
            and height - new_height > 2 * (width - new_width)
        )
        resized = image.resize((new_width, new_height), lanczos).tobytes()
        assert resized == orders[columns_first], (width, height, new_width, new_height)
        checked += 1
    assert checked > 30

    monkeypatch.setitem(sys.modules, "PIL", None)  # as if not installed
    assert _pillow_resizes_vertically_first() is True  # the newest Pillow's way
