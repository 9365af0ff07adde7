"""``scratchnet export MODEL OUT.onnx``: the model as an ONNX graph."""

import os
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from test_cli import run

from sklearn_scratchnet import ScratchMLPClassifier, persistence
from sklearn_scratchnet.cli import build_parser
from sklearn_scratchnet.datasets import load_mnist_sample, scale_pixels

try:
    import onnxruntime as ort
except ImportError as exc:  # pragma: no cover - CI installs the test extra
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip(
        f'scratchnet export needs the onnx extra ({exc}): pip install -e ".[test]"',
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def sample():
    return load_mnist_sample()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, sample):
    """A model as ``scratchnet train`` saves it: float32 pixels / 255, skops."""
    clf = ScratchMLPClassifier(
        hidden_size=32, solver="adam", alpha=0.01, batch_size=200, max_iter=5,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(scale_pixels(sample.X_train), sample.y_train)
    path = tmp_path_factory.mktemp("model") / "digits.skops"
    persistence.dump(clf, path)
    return path


def test_export_writes_a_graph_that_onnxruntime_runs(model_file, sample, tmp_path):
    out_path = tmp_path / "onnx" / "digits.onnx"  # the folder is created
    code, out, err = run("export", model_file, out_path)
    assert code == 0, err
    clf = persistence.load(model_file)
    assert f"ONNX model written to {out_path} ({out_path.stat().st_size:,} bytes" in out
    assert "Input: X, float32 of shape (N, 784)" in out
    assert "probabilities (N, 10) for the classes [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" in out
    assert os.listdir(out_path.parent) == ["digits.onnx"]  # no temporary file left

    X = scale_pixels(sample.X_test)
    session = ort.InferenceSession(str(out_path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].type == "tensor(float)"
    assert session.get_inputs()[0].shape[1] == clf.n_features_in_
    label, proba = session.run(None, {"X": X})
    np.testing.assert_array_equal(label, clf.predict(X))
    assert np.abs(proba - clf.predict_proba(X)).max() <= 1e-5
    assert np.mean(label == sample.y_test) > 0.85


def test_export_replaces_an_existing_file(model_file, tmp_path):
    out_path = tmp_path / "model.onnx"
    out_path.write_bytes(b"an older export")
    code, _, err = run("export", model_file, out_path)
    assert code == 0, err
    assert out_path.read_bytes() != b"an older export"
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_export_errors_leave_the_output_alone(model_file, tmp_path, monkeypatch):
    out_path = tmp_path / "model.onnx"
    out_path.write_bytes(b"an older export")

    code, _, err = run("export", tmp_path / "missing.joblib", out_path)
    assert code == 3 and "missing.joblib: no such model file" in err

    not_a_model = tmp_path / "notes.joblib"
    not_a_model.write_text("not a model")
    code, _, err = run("export", not_a_model, out_path)
    assert code == 4 and "is not a model file" in err
    assert err.startswith("scratchnet export: error:")

    code, _, err = run("export", model_file, tmp_path)
    assert code == 4 and f"{tmp_path} is a folder; give the path of the .onnx" in err

    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # as if not installed
    code, _, err = run("export", model_file, out_path)
    assert code == 1
    assert 'python -m pip install ".[onnx]"' in err

    assert out_path.read_bytes() == b"an older export"
    assert sorted(os.listdir(tmp_path)) == ["model.onnx", "notes.joblib"]


def test_export_is_listed_in_the_help():
    assert "export" in build_parser().format_help()


def test_export_takes_a_pipeline(tmp_path, sample):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    pipeline = make_pipeline(
        MinMaxScaler(),
        ScratchMLPClassifier(hidden_size=16, solver="adam", alpha=0.01,
                             batch_size=200, max_iter=2, random_state=0),
    )  # fmt: skip
    X = sample.X_train.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(X, sample.y_train)
    persistence.dump(pipeline, tmp_path / "pipeline.skops")
    code, out, err = run("export", tmp_path / "pipeline.skops", tmp_path / "p.onnx")
    assert code == 0, err
    assert "pixels 0-255: the pipeline scales" in out
    session = ort.InferenceSession(
        str(tmp_path / "p.onnx"), providers=["CPUExecutionProvider"]
    )
    X_test = sample.X_test.astype(np.float32)
    label, _ = session.run(None, {"X": X_test})
    np.testing.assert_array_equal(label, pipeline.predict(X_test))


def test_export_refuses_a_model_onnx_cannot_carry(tmp_path, sample):
    # A multilabel model is an invalid input to ONNX export, as to the page:
    # exit code 4 and skl2onnx's limit in words, the output left alone.
    clf = ScratchMLPClassifier(hidden_size=8, max_iter=2, random_state=0)
    X, y = scale_pixels(sample.X_train[:300]), sample.y_train[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, np.column_stack([y % 2, y > 4]).astype(int))
    persistence.dump(clf, tmp_path / "multilabel.skops")
    out_path = tmp_path / "model.onnx"
    out_path.write_bytes(b"an older export")
    code, out, err = run("export", tmp_path / "multilabel.skops", out_path)
    assert code == 4, err
    assert err.startswith("scratchnet export: error: ONNX export covers models of")
    assert out == "" and out_path.read_bytes() == b"an older export"
