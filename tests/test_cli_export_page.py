"""``scratchnet export MODEL OUT.html``: the model as a page to draw digits on.

The page itself (its numbers, in a browser) is tested in test_page.py and
test_page_browser.py; these tests check the command around it.
"""

import os
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from test_cli import run

from sklearn_scratchnet import ScratchMLPClassifier, persistence
from sklearn_scratchnet.cli import main
from sklearn_scratchnet.datasets import load_mnist_sample, scale_pixels
from sklearn_scratchnet.page import _template

MODEL_SETTINGS = dict(
    hidden_size=16, solver="adam", alpha=0.01, batch_size=200, max_iter=2,
    random_state=0,
)  # fmt: skip


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.fixture(scope="module")
def sample():
    return load_mnist_sample()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, sample):
    clf = fitted(
        ScratchMLPClassifier(**MODEL_SETTINGS),
        scale_pixels(sample.X_train),
        sample.y_train,
    )
    path = tmp_path_factory.mktemp("model") / "digits.skops"
    persistence.dump(clf, path)
    return path


@pytest.mark.parametrize("name", ["page.html", "page.htm", "PAGE.HTML"])
def test_export_to_html_writes_the_page(model_file, tmp_path, name):
    out_path = tmp_path / "site" / name  # the folder is created
    code, out, err = run("export", model_file, out_path)
    assert code == 0, err
    assert f"Page written to {out_path} ({out_path.stat().st_size:,} bytes)" in out
    assert "Model: 784 pixels -> 16 hidden units (relu) -> 10 classes" in out
    assert os.listdir(out_path.parent) == [name]  # no temporary file left
    text = out_path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert _template("page.js") in text  # the page's script, whole
    assert "onnx" not in out.lower()


def test_export_to_html_replaces_an_existing_file(model_file, tmp_path):
    out_path = tmp_path / "page.html"
    out_path.write_text("an older page")
    code, _, err = run("export", model_file, out_path)
    assert code == 0, err
    assert "predictProba" in out_path.read_text(encoding="utf-8")


def test_export_to_html_refuses_models_the_page_cannot_run(tmp_path, sample):
    # Each is an invalid input, as for a file that is not a model: exit code 4,
    # a message that says what the page takes, and the output left alone.
    X, y = sample.X_train.astype(np.float32), sample.y_train
    models = {
        "scaler.skops": fitted(
            make_pipeline(MinMaxScaler(), ScratchMLPClassifier(**MODEL_SETTINGS)),
            X,
            y,
        ),
        "multilabel.skops": fitted(
            ScratchMLPClassifier(**MODEL_SETTINGS),
            X[:600] / 255,
            np.column_stack([y[:600] % 2, y[:600] > 4]).astype(int),
        ),
        "pixels.skops": fitted(
            ScratchMLPClassifier(**MODEL_SETTINGS), X[:, ::2] / 255, y
        ),
    }
    out_path = tmp_path / "page.html"
    out_path.write_text("an older page")
    for name, model in models.items():
        persistence.dump(model, tmp_path / name)
        code, out, err = run("export", tmp_path / name, out_path)
        assert code == 4, (name, err)
        assert err.startswith("scratchnet export: error: The page cannot run")
        assert "It takes a fitted ScratchMLPClassifier of 784 pixels" in err, name
        assert out == ""
    assert out_path.read_text() == "an older page"


def test_export_to_html_errors_leave_the_output_alone(model_file, tmp_path):
    out_path = tmp_path / "page.html"
    out_path.write_text("an older page")

    code, _, err = run("export", tmp_path / "missing.skops", out_path)
    assert code == 3 and "missing.skops: no such model file" in err

    folder = tmp_path / "folder.html"
    folder.mkdir()
    code, _, err = run("export", model_file, folder)
    assert code == 4 and f"{folder} is a folder; give the path of the .html" in err

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    code, _, err = run("export", model_file, blocked / "page.html")
    assert code == 5 and "cannot write" in err and "is a file, not a folder" in err

    assert out_path.read_text() == "an older page"
    assert sorted(os.listdir(tmp_path)) == ["blocked", "folder.html", "page.html"]


def test_export_to_html_takes_a_pipeline_of_the_classifier_alone(tmp_path, sample):
    pipeline = fitted(
        make_pipeline("passthrough", ScratchMLPClassifier(**MODEL_SETTINGS)),
        scale_pixels(sample.X_train),
        sample.y_train,
    )
    persistence.dump(pipeline, tmp_path / "pipeline.skops")
    code, out, err = run("export", tmp_path / "pipeline.skops", tmp_path / "p.html")
    assert code == 0, err
    assert "Page written to" in out


def test_export_help_names_both_formats(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "OUT.onnx" in out and "OUT.html" in out
