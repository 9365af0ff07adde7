"""The scratchnet command: each command, its output and its errors."""

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.error
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
import sklearn.datasets
from PIL import Image
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from test_datasets import write_mnist_folder
from test_images import as_drawn, draw, to_image

from sklearn_scratchnet import ScratchMLPClassifier, _network, cli, persistence
from sklearn_scratchnet.cli import build_parser, main
from sklearn_scratchnet.datasets import (
    MNIST_FILES,
    load_data_set,
    load_mnist_sample,
    scale_pixels,
)
from sklearn_scratchnet.exceptions import InconsistentVersionWarning

# write_mnist_folder's pixels and labels are random: a model trained on them may
# be no better than chance, which train reports with exit code 6.
NOTHING_TO_LEARN = 6
QUICK = ["--solver", "adam", "--alpha", "0.01", "--batch-size", "200"]
SMALL = ["--data", "sample", *QUICK, "--hidden-size", "32", "--max-iter", "8"]


def run(*argv):
    """Run the command in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``scratchnet train`` on the sample: (model path, stdout, stderr)."""
    path = tmp_path_factory.mktemp("train") / "digits.skops"
    code, out, err = run("train", *SMALL, "--out", path)
    assert code == 0, err
    return path, out, err


@pytest.fixture(scope="module")
def sample():
    return load_mnist_sample()


def number_after(label, text):
    return float(re.search(rf"{label}:? ([0-9.]+)", text).group(1))


def test_train_reports_test_accuracy_and_saves_the_model(trained, sample):
    path, out, _ = trained
    clf = persistence.load(path)
    assert isinstance(clf, ScratchMLPClassifier)
    assert not hasattr(clf, "_skl_callbacks")  # the progress bar is not saved
    assert "Data: MNIST sample from the package (sklearn_scratchnet/data/" in out
    assert "Held out 600 training digits to score each pass; training on 5,400" in out
    accuracy = clf.score(sample.X_test / 255, sample.y_test)
    assert f"Test accuracy: {accuracy:.4f} on 2,000 digits" in out
    assert accuracy > 0.85
    assert re.search(r"^\s+7\s+0\.\d{4}\s+0\.\d{4}\s+0\.\d{4}\s+200$", out, re.M)
    assert f"Model saved to {path}" in out
    assert f"Trained {clf.n_iter_} passes" in out
    assert f"Training loss: {clf.loss_curve_[-1]:.4f}" in out


def test_train_shows_a_progress_bar_with_validation_scores(trained):
    path, _, err = trained
    clf = persistence.load(path)
    n = clf.n_iter_
    assert f"epoch {n}/{n}" in err
    # The bar scored the last pass's weights on the held-out digits, as fit did.
    assert f"val acc {clf.validation_scores_[-1]:.4f}" in err
    assert number_after("val loss", err) == pytest.approx(
        clf.validation_loss_curve_[-1], abs=2e-4
    )
    assert "ETA" in err


@pytest.mark.parametrize(("min_interval", "scorings"), [(0, 7 + 1), (3600, 1 + 1)])
def test_the_bar_scores_at_most_every_min_interval(
    sample, monkeypatch, min_interval, scorings
):
    """Every pass, or only the first one and the final model."""
    from rich.console import Console

    from sklearn_scratchnet._progress import EpochProgressBar, make_progress

    calls = []
    predict_proba = ScratchMLPClassifier.predict_proba
    monkeypatch.setattr(
        ScratchMLPClassifier,
        "predict_proba",
        lambda self, X: calls.append(len(X)) or predict_proba(self, X),
    )
    X, y = sample.X_train[:1000] / 255, sample.y_train[:1000]
    clf = ScratchMLPClassifier(max_iter=7, random_state=0)
    with make_progress(Console(file=io.StringIO())) as progress:
        bar = EpochProgressBar(progress, X[:100], y[:100], min_interval=min_interval)
        clf.set_callbacks(bar)
        with pytest.warns(ConvergenceWarning):
            clf.fit(X[100:], y[100:])
    assert calls == [100] * scorings
    assert progress.tasks[0].completed == progress.tasks[0].total == 7


def test_the_bar_shows_the_scores_of_the_latest_pass(sample):
    """Passes far shorter than a person can read each show their own scores."""
    from rich.console import Console

    from sklearn_scratchnet._progress import EpochProgressBar, make_progress

    X, y = sample.X_train[:300] / 255, sample.y_train[:300]
    X_val, y_val = sample.X_train[300:400] / 255, sample.y_train[300:400]
    clf = ScratchMLPClassifier(max_iter=20, alpha=0.5, random_state=0)
    shown = []
    with make_progress(Console(file=io.StringIO())) as progress:
        bar = EpochProgressBar(progress, X_val, y_val)
        update = progress.update

        def record(task, **fields):
            update(task, **fields)
            task = progress.tasks[task]
            shown.append((task.completed, dict(task.fields)))

        progress.update = record
        clf.set_callbacks(bar)
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y, X_val=X_val, y_val=y_val)
    per_pass = {n: fields for n, fields in shown}
    for n, score in enumerate(clf.validation_scores_, start=1):
        assert per_pass[n]["val_accuracy"] == f"{score:.4f}"
        assert per_pass[n]["val_pass"] == ""
    assert len(set(clf.validation_scores_)) > 1


def test_scores_of_an_earlier_pass_say_which_pass(sample):
    from rich.console import Console

    from sklearn_scratchnet._progress import EpochProgressBar, make_progress

    X, y = sample.X_train[:300] / 255, sample.y_train[:300]
    with make_progress(Console(file=io.StringIO())) as progress:
        bar = EpochProgressBar(progress, X[:100], y[:100], min_interval=3600)
        clf = ScratchMLPClassifier(max_iter=3, random_state=0).set_callbacks(bar)
        fields = []
        update = progress.update

        def record(task, **kwargs):
            update(task, **kwargs)
            fields.append(dict(progress.tasks[task].fields))

        progress.update = record
        with pytest.warns(ConvergenceWarning):
            clf.fit(X[100:], y[100:])
    assert [f["val_pass"] for f in fields[:3]] == ["", "(pass 1)", "(pass 1)"]
    assert fields[-1]["val_pass"] == ""  # the final model, scored


def test_train_writes_the_figures_next_to_the_model(trained):
    path, out, _ = trained
    sizes = {
        "loss": (640, 400),
        "confusion-matrix": (600, 550),
        "hidden-units": None,
        "misclassified": None,
    }
    for name, size in sizes.items():
        figure = path.with_name(f"digits-{name}.png")
        assert str(figure) in out
        with Image.open(figure) as image:
            assert image.format == "PNG" and image.width >= 400
            assert size is None or image.size == size


def test_every_training_parameter_reaches_the_model(tmp_path):
    out_path = tmp_path / "deep" / "er" / "model.skops"  # folders are created
    code, out, err = run(
        "train", "--data", "sample", "--hidden-size", "12", "--alpha", "0.02",
        "--solver", "adam", "--batch-size", "100", "--max-iter", "200",
        "--l2", "0.001", "--early-stopping", "--validation-fraction", "0.2",
        "--random-state", "3", "--out", out_path,
    )  # fmt: skip
    assert code == 0, err
    clf = persistence.load(out_path)
    params = clf.get_params()
    assert params["hidden_size"] == 12 and clf.W1_.shape == (12, 784)
    assert params["alpha"] == 0.02 and params["solver"] == "adam"
    assert params["batch_size"] == 100 and params["max_iter"] == 200
    assert params["l2"] == 0.001 and params["random_state"] == 3
    assert params["early_stopping"] is True
    assert "Held out 1,200 training digits" in out
    assert clf.n_iter_ < 200  # stopped early...
    assert "validation accuracy did not improve for 10 passes" in out
    # ...keeping the best pass's weights, which the bar scores last.
    assert f"(best {max(clf.validation_scores_):.4f}" in out
    assert f"val acc {max(clf.validation_scores_):.4f}" in err


def test_the_random_state_makes_training_reproducible(tmp_path):
    for name in ("a", "b"):
        code, _, err = run("train", *SMALL, "--max-iter", "2",
                           "--out", tmp_path / f"{name}.skops")  # fmt: skip
        assert code == 0, err
    a, b = (persistence.load(tmp_path / f"{name}.skops") for name in ("a", "b"))
    np.testing.assert_array_equal(a.W1_, b.W1_)


def test_the_default_data_is_the_sample_when_mnist_is_not_found(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "data-home"))
    monkeypatch.chdir(tmp_path)  # no ../shared/mnist
    data = load_data_set(None)
    out, err = capsys.readouterr()
    assert "Full MNIST not found in" in err and str(tmp_path / "data-home") in err
    assert out == ""  # standard output is for results
    assert data.description.startswith("MNIST sample")
    assert data.X_train.shape == (6000, 784)


def test_a_scratchnet_data_without_mnist_is_an_error(trained, tmp_path, monkeypatch):
    """Not a silent fallback to the sample."""
    path, _, _ = trained
    monkeypatch.setenv("SCRATCHNET_DATA", str(tmp_path))
    code, out, err = run("evaluate", path)
    assert code == 3
    assert f"SCRATCHNET_DATA is set to {tmp_path}, which does not hold" in err
    assert "Test accuracy" not in out


@pytest.mark.parametrize("name", ["MNIST", "Sample", "SAMPLE"])
def test_data_set_names_in_any_case(tmp_path, monkeypatch, name):
    monkeypatch.setenv("SCRATCHNET_DATA", str(tmp_path))
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", lambda *a, **k: 1 / 0)
    monkeypatch.setattr("sklearn_scratchnet.datasets.fetch_mnist",
                        lambda *a, **k: load_mnist_sample())  # fmt: skip
    data = load_data_set(name)
    assert data.X_test.shape == (2000, 784)


def test_data_that_is_neither_a_name_nor_a_folder_lists_what_data_takes(tmp_path):
    code, out, err = run("train", *SMALL, "--data", "mnits",
                         "--out", tmp_path / "m.skops")  # fmt: skip
    assert code == 3 and out == ""
    assert "mnits is not a folder. Give 'mnist' (full MNIST), 'sample'" in err


def test_the_default_data_is_full_mnist_when_found(mnist_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    # ../shared/mnist, seen from the working directory.
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "mnist").symlink_to(mnist_dir)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    data = load_data_set(None)
    assert data.description == (
        f"full MNIST from {Path('..', 'shared', 'mnist')}: 60,000 training and "
        "10,000 test digits"
    )
    # scikit-learn's data home, from anywhere else.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "shared" / "mnist"))
    assert load_data_set(None).description.startswith("full MNIST")


@pytest.mark.parametrize(("rows", "figures"), [(4, 4), (3, 2)])
def test_train_and_evaluate_on_a_folder_in_mnist_layout(tmp_path, rows, figures):
    data = tmp_path / "data"
    data.mkdir()
    write_mnist_folder(data, n_train=60, n_test=20, rows=rows, cols=4)
    # 0.2: 12 validation digits, enough for a stratified split of the 10 classes.
    code, out, err = run("train", "--data", data, *QUICK, "--max-iter", "2",
                         "--validation-fraction", "0.2",
                         "--out", tmp_path / "m.skops")  # fmt: skip
    assert code in (0, NOTHING_TO_LEARN), err
    assert f"Data: {data}: 60 training and 20 test images of {rows * 4} pixels" in out
    assert len(list(tmp_path.glob("m-*.png"))) == figures
    # evaluate needs only the test files.
    for role in ("train_images", "train_labels"):
        (data / f"{MNIST_FILES[role]}.gz").unlink()
    code, out, err = run("evaluate", tmp_path / "m.skops", "--data", data)
    assert code == 0, err
    assert f"Data: {data}: 20 test images of {rows * 4} pixels" in out
    assert "Test accuracy:" in out


@pytest.mark.parametrize(
    ("n_train", "problem"),
    [
        (60, "6 validation samples cannot hold each of the 10 classes"),
        (30, "the classes [9] have a single sample"),
    ],
)
def test_an_impossible_stratified_hold_out_is_a_usage_error(tmp_path, n_train, problem):
    """Refused, not split unstratified, which could leave a class out of training."""
    data = tmp_path / "data"
    data.mkdir()
    write_mnist_folder(data, n_train=n_train, n_test=10)
    code, out, err = run("train", "--data", data, *QUICK, "--out", tmp_path / "m.skops")
    assert code == 2
    assert "scratchnet train: error: Cannot hold out a stratified validation set" in err
    assert problem in err
    assert "Give a larger --validation-fraction, or --validation-fraction 0" in err
    assert "Held out" not in out and not (tmp_path / "m.skops").exists()


def test_data_mnist_offline_says_where_to_put_the_files(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    # The outage is simulated: the test must neither need nor use the network.
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    monkeypatch.setenv("SCRATCHNET_DATA", str(tmp_path))
    code, _, err = run("train", "--data", "mnist", "--out", tmp_path / "m.skops")
    assert code == 3
    assert "downloading it from OpenML failed" in err
    assert "Put the four original MNIST files" in err and str(tmp_path) in err
    assert not (tmp_path / "m.skops").exists()


def test_a_corrupt_data_folder_is_exit_code_4(tmp_path):
    write_mnist_folder(tmp_path, compress=False)
    labels = tmp_path / MNIST_FILES["test_labels"]
    labels.write_bytes(labels.read_bytes()[:-1])
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "m.skops")
    assert code == 4 and f"{labels}: truncated" in err


def test_a_missing_data_folder_is_exit_code_3(tmp_path):
    code, _, err = run("train", "--data", tmp_path / "nowhere")
    assert code == 3 and "nowhere is not a folder" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--alpha", "0"], "--alpha must be > 0; got 0.0."),
        (["--alpha", "-1"], "--alpha must be > 0; got -1.0."),
        (["--hidden-size", "-3"], "--hidden-size must be an integer >= 1; got -3."),
        (["--batch-size", "0"], "--batch-size must be an integer >= 1; got 0."),
        (["--l2", "-1"], "--l2 must be >= 0; got -1.0."),
        (["--momentum", "1.5"], "--momentum must be >= 0 and <= 1; got 1.5."),
        (["--max-iter", "0"], "--max-iter must be an integer >= 1; got 0."),
        (["--random-state", "-1"], "--random-state must be an integer >= 0"),
        (["--validation-fraction", "1.5"], "--validation-fraction must be in"),
        (["--early-stopping", "--validation-fraction", "0"], "needs validation"),
        (["--dropout", "1"], "--dropout must be >= 0 and < 1; got 1.0."),
        (["--solver", "lbfgs", "--dropout", "0.2"], "--dropout needs --solver sgd"),
    ],
)
def test_bad_parameter_values_are_usage_errors_before_any_work(
    tmp_path, monkeypatch, arguments, message
):
    """Reported with the option's name, before the data is loaded (or fetched)."""
    fetched = []
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fetched.append)
    monkeypatch.setenv("SCRATCHNET_DATA", str(tmp_path))  # no MNIST: a download
    code, out, err = run("train", *QUICK, "--data", "mnist", *arguments,
                         "--out", tmp_path / "m.skops")  # fmt: skip
    assert code == 2, err
    assert err.startswith("scratchnet train: error: ") and message in err
    assert "parameter of ScratchMLPClassifier" not in err
    assert fetched == [] and out == ""
    assert not (tmp_path / "m.skops").exists()


def test_dropout_reaches_the_model():
    args = build_parser().parse_args(["train", "--solver", "adam", "--dropout", "0.3"])
    clf = cli.train._classifier_from(args)
    assert clf.dropout == 0.3 and clf.solver == "adam"


def test_every_classifier_option_is_exposed_with_its_default(capsys):
    for name, option in cli.train._TRAIN_PARAMETERS.items():
        default = ScratchMLPClassifier().get_params()[name]
        if name != "random_state":  # the command's default is 0: reproducible
            assert getattr(build_parser().parse_args(["train"]), name) == default
        assert option in cli.__doc__
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for text in ["(default: 0.1)", "(default: 500)", "(default: sgd)",
                 "(default: relu", "--momentum MU", "--class-weight {balanced}",
                 "--activation {identity,logistic,relu,tanh}",
                 "update rule"]:  # fmt: skip
        assert text in help_text


def test_a_model_that_learned_nothing_is_reported(tmp_path):
    """A learning rate far too large: a warning with the remedy, and exit 6."""
    out_path = tmp_path / "m.skops"
    code, out, err = run("train", "--data", "sample", "--alpha", "50",
                         "--max-iter", "12", "--out", out_path)  # fmt: skip
    assert code == 6
    warning = err.splitlines()[-1]
    assert warning.startswith("scratchnet train: warning: the model learned nothing")
    assert "lower --alpha" in warning and "--solver adam" in warning
    assert "Test accuracy: 0.1000" in out  # a diverged network: one class
    assert out_path.exists()  # kept, for a look


def test_a_diverged_fit_is_reported_with_the_remedy(tmp_path, monkeypatch):
    def diverge(self, *args, **kwargs):
        raise FloatingPointError("Training diverged in pass 4: the loss grew.")

    monkeypatch.setattr(ScratchMLPClassifier, "fit", diverge)
    code, _, err = run("train", *SMALL, "--out", tmp_path / "m.skops")
    assert code == 6
    assert "Training diverged in pass 4" in err and "lower --alpha" in err


def test_malformed_arguments_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--hidden-size", "ten"])
    assert exit_.value.code == 2
    assert "invalid int value: 'ten'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2


def test_a_missing_extra_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rich", None)
    code, _, err = run("train", *SMALL, "--out", tmp_path / "m.skops")
    assert code == 1 and "needs rich" in err
    assert 'python -m pip install ".[cli]"' in err


def test_evaluate_prints_accuracy_confusion_matrix_and_report(trained, sample):
    path, _, _ = trained
    code, out, err = run("evaluate", path, "--data", "sample")
    assert code == 0, err
    clf = persistence.load(path)
    X_test = sample.X_test / 255
    assert f"Test accuracy: {clf.score(X_test, sample.y_test):.4f}" in out
    expected = confusion_matrix(sample.y_test, clf.predict(X_test))
    rows = re.findall(r"^\s+(\d)((?:\s+\d+){10})\s*$", out, re.M)
    shown = np.array([[int(n) for n in counts.split()] for _, counts in rows])
    np.testing.assert_array_equal(shown, expected)
    assert "precision    recall  f1-score   support" in out


def test_evaluate_errors(trained, tmp_path):
    path, _, _ = trained
    code, _, err = run("evaluate", tmp_path / "none.skops")
    assert code == 3 and "none.skops: no such model file" in err

    code, _, err = run("evaluate", tmp_path / "note.png")  # the model left out
    assert code == 3 and "note.png: no such model file." in err
    assert "The first argument is the model" in err and "--out" not in err

    text = tmp_path / "notes.skops"
    text.write_text("these are notes, not a model")
    code, _, err = run("evaluate", text, "--data", "sample")
    assert err == (
        f"scratchnet evaluate: error: {text} is not a model file: neither a skops "
        "file nor a joblib (pickle) file. Give a file written by scratchnet train.\n"
    )  # said once
    assert code == 4

    persistence.dump({"W1": np.zeros(3)}, tmp_path / "dict.skops")
    code, _, err = run("evaluate", tmp_path / "dict.skops", "--data", "sample")
    assert code == 4 and "holds a builtins.dict, not a ScratchMLPClassifier" in err

    persistence.dump(ScratchMLPClassifier(), tmp_path / "unfitted.skops")
    code, _, err = run("info", tmp_path / "unfitted.skops")
    assert code == 4 and "never fitted" in err

    code, _, err = run("evaluate", tmp_path, "--data", "sample")
    assert code == 4
    assert f"{tmp_path} is a folder, not a model file" in err
    assert "no such model file" not in err


@pytest.fixture(scope="module")
def pipeline_file(tmp_path_factory, sample):
    """The library's recommended model: a Pipeline that scales raw pixels."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    pipeline = make_pipeline(
        MinMaxScaler(),
        ScratchMLPClassifier(hidden_size=32, solver="adam", alpha=0.01,
                             batch_size=200, max_iter=3, random_state=0),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(sample.X_train.astype(np.float32), sample.y_train)
    path = tmp_path_factory.mktemp("pipeline") / "pipeline.skops"
    persistence.dump(pipeline, path)
    return path, pipeline


def test_info_and_evaluate_take_a_pipeline(pipeline_file, sample):
    path, pipeline = pipeline_file
    code, out, err = run("info", path)
    assert code == 0, err
    assert "Estimator: Pipeline" in out and "minmaxscaler" in out
    assert re.search(r"^  hidden_size\s+32$", out, re.M)
    assert "784 inputs -> 32 hidden (relu) -> 10 classes" in out

    code, out, err = run("evaluate", path, "--data", "sample")
    assert code == 0, err
    accuracy = pipeline.score(sample.X_test.astype(np.float32), sample.y_test)
    assert accuracy > 0.8
    assert f"Test accuracy: {accuracy:.4f}" in out


def test_load_model_gives_predict_a_pipeline_it_can_use(pipeline_file, tmp_path):
    path, pipeline = pipeline_file
    model, _ = persistence.load_model(path)
    assert isinstance(model, type(pipeline))
    assert persistence.classifier_of(model).hidden_size == 32
    assert model.n_features_in_ == 784 and list(model.classes_) == list(range(10))
    image = tmp_path / "one.png"
    draw(1).save(image)
    code, out, err = run("predict", path, image)
    assert code == 0, err
    assert re.match(rf"{re.escape(str(image))}: \d \(probability", out)


def test_a_pipeline_without_our_classifier_is_refused(tmp_path, sample):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    other = make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        other.fit(sample.X_test[:200], sample.y_test[:200])
    persistence.dump(other, tmp_path / "other.skops")
    code, _, err = run("info", tmp_path / "other.skops")
    assert code == 4
    assert "ending with a sklearn.linear_model._logistic.LogisticRegression" in err


def test_a_model_for_other_data_is_rejected(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_mnist_folder(data, n_train=30, n_test=10, rows=4, cols=4)
    code, _, err = run("train", "--data", data, *QUICK, "--max-iter", "1",
                       "--validation-fraction", "0",
                       "--out", tmp_path / "small.skops")  # fmt: skip
    assert code in (0, NOTHING_TO_LEARN), err
    code, _, err = run("evaluate", tmp_path / "small.skops", "--data", "sample")
    assert code == 4 and "takes 16 inputs but gets the data's 784 pixels" in err
    image = tmp_path / "one.png"
    draw(1).save(image)
    code, _, err = run("predict", tmp_path / "small.skops", image)
    assert code == 4 and "takes 16 inputs" in err


def test_predict_reads_real_and_drawn_digits(trained, sample, tmp_path):
    path, _, _ = trained
    clf = persistence.load(path)
    pixels, labels = sample.X_test[:8] / 255, sample.y_test[:8]
    expected = clf.predict(pixels)
    images = []
    for i, digit in enumerate(pixels):
        image = to_image(digit) if i % 2 else as_drawn(digit)
        images.append(tmp_path / f"test{i}.png")
        image.save(images[-1])
    drawn = {}
    for digit in (0, 1, 4, 7):
        drawn[digit] = tmp_path / f"drawn{digit}.jpg"
        draw(digit).save(drawn[digit])
    code, out, err = run("predict", path, *images, *drawn.values())
    assert code == 0, err
    found = dict(re.findall(r"^(.+): (\d) \(probability [01]\.\d{3}\);", out, re.M))
    predicted = np.array([int(found[str(image)]) for image in images])
    assert np.mean(predicted == expected) >= 0.75
    assert np.mean(predicted == labels) >= 0.75
    assert [int(found[str(p)]) for p in drawn.values()] == list(drawn)


def test_predict_reports_bad_images_and_goes_on(trained, tmp_path):
    path, _, _ = trained
    good = tmp_path / "one.png"
    draw(1).save(good)
    unreadable = tmp_path / "broken.png"
    unreadable.write_bytes(b"\x89PNG\r\n\x1a\n but then nothing")
    code, out, err = run("predict", path, tmp_path / "missing.png", unreadable, good)
    assert code == 3  # the first error decides
    assert f"{good}: 1 (probability" in out
    assert "missing.png: no such image file" in err
    assert "broken.png: cannot read this file as an image" in err
    code, _, err = run("predict", path, unreadable)
    assert code == 4
    blank = tmp_path / "blank.png"
    Image.new("L", (40, 40), 0).save(blank)
    code, _, err = run("predict", path, blank)
    assert code == 4 and "no digit found" in err


def test_info_describes_the_model(trained):
    path, _, _ = trained
    clf = persistence.load(path)
    code, out, err = run("info", path)
    assert code == 0, err
    assert f"Model file: {path} ({path.stat().st_size:,} bytes)" in out
    assert re.search(r"^  hidden_size\s+32$", out, re.M)
    assert re.search(r"^  solver\s+'adam'$", out, re.M)
    assert "784 inputs -> 32 hidden (relu) -> 10 classes" in out
    assert f"Training: {clf.n_iter_} passes, {clf.t_:,} samples seen" in out
    best = int(np.argmax(clf.validation_scores_))
    assert (
        f"validation accuracy: first {clf.validation_scores_[0]:.4f}, last "
        f"{clf.validation_scores_[-1]:.4f}, best {clf.validation_scores_[best]:.4f} "
        f"(pass {best + 1})"
    ) in out
    import sklearn

    assert re.search(rf"^  scikit-learn\s+{re.escape(sklearn.__version__)}$", out, re.M)
    assert "saved with the same sklearn-scratchnet and scikit-learn" in out


def test_info_on_a_file_that_is_not_a_model(tmp_path):
    image = tmp_path / "digit.png"
    draw(7).save(image)
    code, _, err = run("info", image)
    assert code == 4 and "is not a model file" in err


def test_the_command_runs_as_a_module_and_as_a_script(trained):
    path, _, _ = trained
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_scratchnet", "info", path],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Parameters:" in result.stdout
    script = Path(sys.executable).with_name("scratchnet")
    assert script.exists(), "install the package: pip install -e ."
    result = subprocess.run(
        [script, "evaluate", path.with_name("missing.skops")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 3
    assert "scratchnet evaluate: error:" in result.stderr


# ------------------------------------------------------- trust, saves, Ctrl-C


class Payload:
    """Unpickling this writes a file: a stand-in for any code in a pickle."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "executed"))


def test_pickles_load_only_with_trust_pickle(trained, tmp_path):
    path, _, _ = trained
    pickled = tmp_path / "model.joblib"
    joblib.dump(persistence.load(path), pickled)
    for command in (["info"], ["evaluate"], ["predict"]):
        extra = ["--data", "sample"] if command == ["evaluate"] else []
        if command == ["predict"]:
            draw(1).save(tmp_path / "one.png")
            extra = [tmp_path / "one.png"]
        code, _, err = run(*command, pickled, *extra)
        assert code == 4 and "--trust-pickle" in err and "can run any code" in err
        code, out, err = run(*command, pickled, *extra, "--trust-pickle")
        assert code == 0, err

    marker = tmp_path / "executed.txt"
    crafted = tmp_path / "crafted.joblib"
    joblib.dump(Payload(marker), crafted)
    code, _, err = run("info", crafted)
    assert code == 4 and "--trust-pickle" in err
    assert not marker.exists()  # refused before anything in it ran


def test_train_saves_a_pickle_when_asked_and_the_default_is_skops(tmp_path):
    code, out, err = run(
        "train", *SMALL, "--max-iter", "1", "--out", tmp_path / "m.pkl"
    )
    assert code == 0, err
    assert not persistence.is_skops_file(tmp_path / "m.pkl")
    assert isinstance(joblib.load(tmp_path / "m.pkl"), ScratchMLPClassifier)
    assert build_parser().parse_args(["train"]).out == Path("model.skops")


def test_a_crash_while_saving_keeps_the_previous_model(trained, tmp_path, monkeypatch):
    import skops.io

    path, _, _ = trained
    target = tmp_path / "model.skops"
    target.write_bytes(path.read_bytes())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(tempfile, "tempdir", str(elsewhere))

    def crash(model, file):
        Path(file).write_bytes(b"PK\x03\x04 half a model")
        raise OSError("No space left on device")

    monkeypatch.setattr(skops.io, "dump", crash)
    code, _, err = run("train", *SMALL, "--max-iter", "1", "--out", target)
    assert code == 5
    assert f"cannot write the model to {target}: No space left on device" in err
    assert "the trained model is lost" in err  # every save crashes here
    assert target.read_bytes() == path.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if "model.skops" in p.name] == [
        "model.skops"
    ]  # no temporary file left behind
    assert list(elsewhere.iterdir()) == []


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder nothing can be written to, even by root (who ignores chmod)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    mkstemp = tempfile.mkstemp

    def refuse_in_folder(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == folder:
            name = Path(dir) / f".{kwargs.get('prefix', '')}4wwwdcsw.tmp"
            raise PermissionError(13, "Permission denied", str(name))
        return mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_in_folder)
    yield folder
    folder.chmod(0o700)


def test_an_unwritable_out_is_refused_before_training(read_only, tmp_path):
    code, out, err = run("train", *SMALL, "--out", read_only / "m.skops")
    assert code == 5
    assert err == (
        f"scratchnet train: error: cannot write {read_only / 'm.skops'}: Permission "
        "denied. Give --out a path in a folder you can write to.\n"
    )
    assert out == ""  # neither the data loaded nor the training started

    note = tmp_path / "note.txt"
    note.write_text("a file, not a folder")
    code, out, err = run("train", *SMALL, "--out", note / "m.skops")
    assert code == 5 and f"{note} is a file, not a folder" in err and out == ""

    (tmp_path / "m-loss.png").mkdir()
    code, out, err = run("train", *SMALL, "--out", tmp_path / "m.skops")
    assert code == 4 and f"{tmp_path / 'm-loss.png'} is a folder" in err


def test_a_model_that_cannot_be_saved_is_kept_elsewhere(tmp_path, monkeypatch):
    """The folder turns read-only during training: the model is saved elsewhere."""
    target = tmp_path / "out" / "m.skops"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    dump = persistence.dump

    def refuse_in_out(model, path, **kwargs):
        if Path(path).parent == target.parent:
            temporary = target.parent / f".{target.name}.4wwwdcsw.tmp"
            raise PermissionError(13, "Permission denied", str(temporary))
        return dump(model, path, **kwargs)

    monkeypatch.setattr(persistence, "dump", refuse_in_out)
    code, out, err = run("train", *SMALL, "--max-iter", "1", "--out", target)
    assert code == 5
    assert "Test accuracy:" in out
    [rescued] = elsewhere.glob("m-*.skops")
    assert err.endswith(
        f"scratchnet train: error: cannot write the model to {target}: Permission "
        f"denied. The trained model was saved to {rescued} instead (figures not "
        "written); move it where you want it.\n"
    )
    assert "4wwwdcsw" not in err
    assert isinstance(persistence.load(rescued), ScratchMLPClassifier)


def test_export_to_an_unwritable_folder(trained, read_only):
    path, _, _ = trained
    code, _, err = run("export", path, read_only / "m.onnx")
    assert code == 5
    assert f"cannot write {read_only / 'm.onnx'}: Permission denied" in err
    assert ".tmp" not in err


def test_info_reports_other_library_versions(trained, tmp_path, monkeypatch):
    path, _, _ = trained
    model = persistence.load(path)
    getstate = ScratchMLPClassifier.__getstate__

    def as_older_version(self):
        state = getstate(self)
        state["_saved_with_versions"] = {
            **state["_saved_with_versions"],
            "sklearn-scratchnet": "0.0.9",
        }
        return state

    monkeypatch.setattr(ScratchMLPClassifier, "__getstate__", as_older_version)
    persistence.dump(model, tmp_path / "old.skops")
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)  # reported
        code, out, err = run("info", tmp_path / "old.skops")
    assert code == 0, err
    assert "The file was saved with other versions: sklearn-scratchnet 0.0.9." in out


@pytest.fixture
def python_sigint_handler():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def ctrl_c_during_step(monkeypatch, step, presses=1):
    real = _network.loss_and_gradients
    calls = []

    def loss_and_gradients(*args, **kwargs):
        calls.append(None)
        if len(calls) == step:
            for _ in range(presses):
                signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(_network, "loss_and_gradients", loss_and_gradients)


@pytest.mark.usefixtures("python_sigint_handler")
def test_ctrl_c_stops_training_and_train_goes_on(tmp_path, monkeypatch):
    ctrl_c_during_step(monkeypatch, step=30)  # pass 2 of 8, 27 steps a pass
    out_path = tmp_path / "m.skops"
    code, out, err = run("train", *SMALL, "--out", out_path)
    assert code == 0, err
    assert "Trained 1 passes in" in out and "(interrupted with Ctrl-C)" in out
    assert "in pass 2 after 3 of 27 mini-batches" in out
    assert "Test accuracy:" in out and f"Model saved to {out_path}" in out
    assert persistence.load(out_path).n_iter_ == 1


@pytest.mark.usefixtures("python_sigint_handler")
def test_a_second_ctrl_c_exits_with_130(tmp_path, monkeypatch):
    ctrl_c_during_step(monkeypatch, step=3, presses=2)
    code, _, err = run("train", *SMALL, "--out", tmp_path / "m.skops")
    assert code == 130 and "scratchnet train: interrupted" in err
    assert not (tmp_path / "m.skops").exists()


# ----------------------------------------------------------------- --device


def test_train_on_a_pytorch_device_saves_a_numpy_model(tmp_path):
    """--device cpu trains with PyTorch tensors on the CPU: the same model as
    NumPy's to float32 precision, saved with NumPy arrays."""
    pytest.importorskip("torch")
    paths = {name: tmp_path / f"{name}.skops" for name in ("numpy", "torch")}
    code, _, err = run("train", *SMALL, "--max-iter", "3", "--out", paths["numpy"])
    assert code == 0, err
    code, out, err = run(
        "train", *SMALL, "--max-iter", "3", "--device", "cpu", "--out",
        paths["torch"],
    )  # fmt: skip
    assert code == 0, err
    assert "Device: cpu (PyTorch tensors" in out
    assert "val acc" in err  # the bar scores the validation digits there too
    on_numpy, on_torch = (persistence.load(path) for path in paths.values())
    assert isinstance(on_torch.W1_, np.ndarray) and on_torch.W1_.dtype == np.float32
    np.testing.assert_allclose(on_torch.W1_, on_numpy.W1_, rtol=1e-3, atol=1e-5)
    assert number_after("Test accuracy", out) > 0.8


def test_a_device_this_machine_lacks_is_reported(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    code, out, err = run("train", *SMALL, "--device", "cuda", "--out",
                         tmp_path / "m.skops")  # fmt: skip
    assert code == 3
    assert "--device cuda: PyTorch" in err and "finds 0 CUDA device(s)" in err
    assert "without --device" in err
    assert not (tmp_path / "m.skops").exists()


def test_a_device_pytorch_does_not_know_is_a_usage_error(tmp_path):
    pytest.importorskip("torch")
    code, _, err = run("train", *SMALL, "--device", "gpu0", "--out",
                       tmp_path / "m.skops")  # fmt: skip
    assert code == 2 and "--device 'gpu0' is not a device PyTorch knows" in err


def test_a_device_without_scipy_array_api_says_to_set_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "0")
    code, _, err = run("train", *SMALL, "--device", "cpu", "--out",
                       tmp_path / "m.skops")  # fmt: skip
    assert code == 2 and "SCIPY_ARRAY_API=1 scratchnet train --device cpu" in err


def test_the_command_sets_scipy_array_api_itself_for_a_device(tmp_path):
    """Run as a program, scratchnet starts again with SCIPY_ARRAY_API=1."""
    pytest.importorskip("torch")
    env = dict(os.environ)
    env.pop("SCIPY_ARRAY_API", None)
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_scratchnet", "train", *SMALL,
         "--max-iter", "1", "--device", "cpu", "--out", str(tmp_path / "m.skops")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Device: cpu" in result.stdout


# ---------------------------------------------------------------- --scoring


def held_out_digits(sample):
    """The validation digits train holds out by default (0.1, random state 0)."""
    from sklearn_scratchnet._holdout import stratified_hold_out

    X = scale_pixels(sample.X_train)
    _, X_val, _, y_val = stratified_hold_out(
        X, sample.y_train, fraction=0.1, random_state=0, remedy=""
    )
    return X_val, y_val


def test_scoring_reaches_the_model_and_the_summary_and_the_bar_name_it(
    tmp_path, sample
):
    path = tmp_path / "m.skops"
    code, out, err = run("train", *SMALL, "--max-iter", "3",
                         "--scoring", "f1_macro", "--out", path)  # fmt: skip
    assert code == 0, err
    clf = persistence.load(path)
    assert clf.scoring == "f1_macro"
    # Each pass was scored with the macro-averaged F1, not the accuracy.
    X_val, y_val = held_out_digits(sample)
    y_pred = clf.predict(X_val)
    last = clf.validation_scores_[-1]
    assert last == pytest.approx(f1_score(y_val, y_pred, average="macro"), abs=1e-12)
    assert last != pytest.approx(accuracy_score(y_val, y_pred), abs=1e-6)
    best = max(clf.validation_scores_)
    assert f"Validation score (f1_macro): {last:.4f} (best {best:.4f}" in out
    assert "Validation accuracy" not in out
    # The bar shows the same score under its name, and no accuracy.
    assert f"val f1_macro {last:.4f}" in err
    assert "val acc " not in err


def test_scoring_loss_is_minus_the_validation_loss_in_the_summary(tmp_path):
    path = tmp_path / "m.skops"
    code, out, err = run("train", *SMALL, "--max-iter", "2", "--scoring", "loss",
                         "--out", path)  # fmt: skip
    assert code == 0, err
    clf = persistence.load(path)
    assert clf.scoring == "loss"
    assert clf.validation_scores_ == [-v for v in clf.validation_loss_curve_]
    last = clf.validation_scores_[-1]
    assert f"Validation score (minus the loss): {last:.4f}" in out
    assert "val loss" in err and "val acc" not in err  # the loss is the score


@pytest.mark.parametrize("scoring", ["loss", "balanced_accuracy"])
def test_early_stopping_says_which_score_stopped_improving(sample, scoring):
    X, y = sample.X_train[:600] / 255, sample.y_train[:600]
    clf = ScratchMLPClassifier(
        hidden_size=16, solver="adam", alpha=0.02, batch_size=50,
        early_stopping=True, scoring=scoring, n_iter_no_change=2, max_iter=100,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    assert clf.n_iter_ < 100
    name = {"loss": "minus the loss", "balanced_accuracy": "balanced_accuracy"}
    summary = cli.train._training_summary(clf, 1.0)
    assert f"(validation score ({name[scoring]}) did not improve for 2 passes;" in (
        summary
    )
    assert f"\nValidation score ({name[scoring]}): " in summary


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scoring", "accuracyy"], "--scoring must be 'loss' or the name of a "
         "scikit-learn scorer (sklearn.metrics.get_scorer_names()); got "
         "'accuracyy' (did you mean 'accuracy'"),
        (["--scoring", "f1_macro", "--validation-fraction", "0"],
         "--scoring needs validation digits: give a --validation-fraction above 0."),
    ],
)  # fmt: skip
def test_a_bad_scoring_is_a_usage_error_before_any_work(
    tmp_path, monkeypatch, arguments, message
):
    fetched = []
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fetched.append)
    monkeypatch.setenv("SCRATCHNET_DATA", str(tmp_path))  # no MNIST: a download
    code, out, err = run("train", *QUICK, "--data", "mnist", *arguments,
                         "--out", tmp_path / "m.skops")  # fmt: skip
    assert code == 2, err
    assert err.startswith("scratchnet train: error: ") and message in err
    assert fetched == [] and out == ""
    assert not (tmp_path / "m.skops").exists()


def test_the_bar_shows_each_pass_s_score_of_the_scoring(sample):
    from rich.console import Console

    from sklearn_scratchnet._progress import EpochProgressBar, make_progress

    X, y = sample.X_train[:300] / 255, sample.y_train[:300]
    X_val, y_val = sample.X_train[300:400] / 255, sample.y_train[300:400]
    clf = ScratchMLPClassifier(max_iter=5, alpha=0.5, scoring="f1_macro",
                               random_state=0)  # fmt: skip
    text = io.StringIO()
    shown = []
    with make_progress(Console(file=text), "f1_macro") as progress:
        bar = EpochProgressBar(progress, X_val, y_val, scoring="f1_macro")
        update = progress.update

        def record(task, **fields):
            update(task, **fields)
            shown.append(dict(progress.tasks[task].fields))

        progress.update = record
        clf.set_callbacks(bar)
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y, X_val=X_val, y_val=y_val)
    scores = [f"{score:.4f}" for score in clf.validation_scores_]
    assert [fields["val_score"] for fields in shown[:5]] == scores
    assert len(set(scores)) > 1
    assert f"val f1_macro {scores[-1]}" in text.getvalue()


def test_the_bar_scores_with_the_scoring_on_a_pytorch_device(tmp_path):
    pytest.importorskip("torch")
    code, out, err = run("train", *SMALL, "--max-iter", "2", "--device", "cpu",
                         "--scoring", "balanced_accuracy",
                         "--out", tmp_path / "m.skops")  # fmt: skip
    assert code == 0, err
    last = persistence.load(tmp_path / "m.skops").validation_scores_[-1]
    assert f"val balanced_accuracy {last:.4f}" in err
    assert f"Validation score (balanced_accuracy): {last:.4f}" in out


# ------------------------------------------------------------ the command's code


def test_the_command_speaks_to_the_estimator_never_to_the_network():
    """DESIGN.md's direction: the command imports the public names of the
    package's modules (and the progress bar and hold-out it shares with the
    estimator), never ``_network`` nor another module's private names."""
    import ast

    allowed = {"", "datasets", "images", "persistence", "plotting", "onnx",
               "page", "exceptions", "_holdout", "_progress"}  # fmt: skip
    folder = Path(cli.__file__).parent
    imported = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            imported.update(n for n in names if n.startswith("sklearn_scratchnet"))
    ours = {n for n in imported if not n.startswith("sklearn_scratchnet.cli.")}
    modules = {n.split(".")[1] if n.count(".") > 1 else "" for n in ours}
    assert modules <= allowed, modules - allowed
    private = {n for n in ours if n.rsplit(".", 1)[1].startswith("_")}
    assert private == {"sklearn_scratchnet.__version__"}, private
    assert len(list(folder.glob("*.py"))) >= 6  # __init__, _common, 5 commands
