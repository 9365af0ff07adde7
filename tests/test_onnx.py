"""ONNX export: onnxruntime gives what predict and predict_proba give."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_scratchnet import ScratchMLPClassifier

try:
    import onnx
    import onnxruntime as ort
    import skl2onnx
except ImportError as exc:  # pragma: no cover - CI installs the test extra
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip(
        f"ONNX export needs the onnx extra ({exc}): "
        'pip install -e ".[test]" or "sklearn-scratchnet[onnx]"',
        allow_module_level=True,
    )

from sklearn_scratchnet.onnx import save_onnx, to_onnx  # noqa: E402

#: The standard ONNX operators the classifier's graph may use: no custom runtime.
GRAPH_OPERATORS = {"Cast", "Gemm", "Relu", "Tanh", "Sigmoid", "Softmax", "ArgMax",
                   "Gather", "Identity", "Concat", "Sub"}  # fmt: skip
#: Largest |onnxruntime - predict_proba| allowed, by dtype.
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


def small_classifier(**params):
    defaults = dict(hidden_size=16, solver="adam", alpha=0.01, batch_size=64,
                    max_iter=10, random_state=0)  # fmt: skip
    return ScratchMLPClassifier(**{**defaults, **params})


def fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def session(onnx_model):
    onnx.checker.check_model(onnx_model, full_check=True)
    return ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def run(onnx_model, X):
    """onnxruntime's outputs for X, by output name."""
    sess = session(onnx_model)
    outputs = sess.run(None, {"X": X})
    return {o.name: value for o, value in zip(sess.get_outputs(), outputs, strict=True)}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def problem(digits, n_classes, dtype):
    """Binary: digits 3 and 8 (labels 3, 8); multiclass: all ten digits."""
    X, y = digits
    if n_classes == 2:
        keep = np.isin(y, [3, 8])
        X, y = X[keep], y[keep]
    return X.astype(dtype), y


def assert_same_as_estimator(estimator, outputs, X, dtype):
    """Labels equal predict; probabilities within the dtype's tolerance."""
    np.testing.assert_array_equal(outputs["label"], estimator.predict(X))
    proba = outputs["probabilities"]
    assert proba.dtype == dtype
    expected = estimator.predict_proba(X)
    assert proba.shape == expected.shape
    assert np.abs(proba - expected).max() <= TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 10])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_onnxruntime_gives_predict_and_predict_proba(
    digits, activation, n_classes, dtype
):
    X, y = problem(digits, n_classes, dtype)
    clf = fit(small_classifier(activation=activation), X, y)
    assert clf.W1_.dtype == dtype
    assert clf.score(X, y) > 0.9  # a trained model, not a trivial one
    onnx_model = to_onnx(clf)

    sess = session(onnx_model)
    expected_type = "tensor(float)" if dtype == np.float32 else "tensor(double)"
    [input_] = sess.get_inputs()
    assert (input_.name, input_.type, input_.shape[1]) == ("X", expected_type, 64)
    assert [o.name for o in sess.get_outputs()] == ["label", "probabilities"]
    # The weights are stored in the model's dtype, and the graph is the note's
    # forward pass in standard operators.
    floats = [i for i in onnx_model.graph.initializer if i.data_type in (1, 11)]
    assert len(floats) == (5 if n_classes == 2 else 4)  # and 2 classes' 1 - p
    assert {i.data_type for i in floats} == {1 if dtype == np.float32 else 11}
    assert {node.op_type for node in onnx_model.graph.node} <= GRAPH_OPERATORS
    assert len(clf.classes_) == n_classes
    assert clf.n_outputs_ == (1 if n_classes == 2 else n_classes)

    outputs = run(onnx_model, X)
    assert_same_as_estimator(clf, outputs, X, dtype)


@pytest.mark.parametrize(
    "labels",
    [
        np.array("zero one two three four five six seven eight nine".split()),
        np.array(["cat", "dog"] * 5, dtype=object),
        np.array([False, True] * 5),
        np.arange(10) * 2.0 - 7,
        np.arange(10, dtype=np.uint8) + 200,
    ],  # fmt: skip
    ids=["strings", "binary-object-strings", "bool", "float", "uint8"],
)
def test_labels_of_any_kind(digits, labels):
    X, y = digits
    X = X.astype(np.float32)
    y = labels[y]
    clf = fit(small_classifier(), X, y)
    outputs = run(to_onnx(clf), X)
    assert_same_as_estimator(clf, outputs, X, np.float32)
    if isinstance(labels[0], str):
        assert outputs["label"].dtype.kind in "OU"  # strings
    else:
        assert outputs["label"].dtype == np.int64  # ONNX's integer labels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scaler", [StandardScaler(), MinMaxScaler()], ids=repr)
def test_in_a_pipeline_with_a_scaler(digits, scaler, dtype):
    X, y = digits
    X = (X * 16).astype(dtype)  # unscaled: the scaler's work matters
    pipe = fit(make_pipeline(clone(scaler), small_classifier()), X, y)
    assert pipe[-1].W1_.dtype == dtype
    outputs = run(to_onnx(pipe, X[:1]), X)
    assert_same_as_estimator(pipe, outputs, X, dtype)
    # skl2onnx itself converts it too, once the converter is registered.
    onnx_model = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    assert_same_as_estimator(pipe, run(onnx_model, X), X, dtype)


@pytest.fixture(scope="module")
def string_model(digits):
    X, y = digits
    X = X.astype(np.float32)
    clf = fit(small_classifier(), X, np.array([f"digit {d}" for d in y]))
    return clf, X


def test_zipmap_gives_a_dictionary_per_sample(string_model):
    clf, X = string_model
    outputs = run(to_onnx(clf, zipmap=True), X)
    expected = clf.predict_proba(X)
    assert list(outputs) == ["output_label", "output_probability"]
    np.testing.assert_array_equal(outputs["output_label"], clf.predict(X))
    assert len(outputs["output_probability"]) == len(X)
    for row, probabilities in zip(expected, outputs["output_probability"], strict=True):
        assert list(probabilities) == clf.classes_.tolist()
        got = np.array([probabilities[label] for label in clf.classes_])
        assert np.abs(got - row).max() <= 1e-5


def test_zipmap_columns_and_the_other_classifier_options(string_model):
    clf, X = string_model
    expected = clf.predict_proba(X)
    outputs = run(to_onnx(clf, zipmap="columns"), X)
    columns = [name for name in outputs if name != "output_label"]
    assert len(columns) == len(clf.classes_)
    got = np.column_stack([outputs[name] for name in columns])
    assert np.abs(got - expected).max() <= 1e-5

    # nocl: class indices instead of the labels.
    outputs = run(to_onnx(clf, options={ScratchMLPClassifier: {"nocl": True}}), X)
    np.testing.assert_array_equal(outputs["label"], np.argmax(expected, axis=1))

    # output_class_labels: one more output with classes_.
    options = {id(clf): {"output_class_labels": True}}
    outputs = run(to_onnx(clf, options=options), X)
    assert outputs["class_labels"].tolist() == clf.classes_.tolist()
    np.testing.assert_array_equal(outputs["label"], clf.predict(X))


def test_float32_input_to_a_float64_model(digits):
    """The graph computes in the model's float64; the output is float32."""
    X, y = digits
    clf = fit(small_classifier(), X, y)
    X32 = X.astype(np.float32)
    onnx_model = to_onnx(clf, X32)
    outputs = run(onnx_model, X32)
    assert 11 in {i.data_type for i in onnx_model.graph.initializer}  # double
    np.testing.assert_array_equal(outputs["label"], clf.predict(X32))
    assert outputs["probabilities"].dtype == np.float32
    assert np.abs(outputs["probabilities"] - clf.predict_proba(X32)).max() <= 1e-6
    with pytest.raises(ValueError, match="ZipMap takes float32 only"):
        to_onnx(clf, zipmap=True)


def test_unfitted_models_raise_not_fitted_error(digits, tmp_path):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        to_onnx(small_classifier())
    X, y = digits
    scaler = StandardScaler().fit(X)
    pipe = make_pipeline(scaler, small_classifier())
    with pytest.raises(NotFittedError):
        to_onnx(pipe, X[:1])
    path = tmp_path / "model.onnx"
    path.write_bytes(b"earlier file")
    with pytest.raises(NotFittedError):
        save_onnx(small_classifier(), path)
    assert path.read_bytes() == b"earlier file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_wrong_sample_shape_is_an_error(digits):
    X, y = digits
    clf = fit(small_classifier(max_iter=1), X, y)
    with pytest.raises(ValueError, match="X_sample has 10 features, but "
                       "ScratchMLPClassifier is expecting 64 features"):  # fmt: skip
        to_onnx(clf, X[:, :10])
    with pytest.raises(ValueError, match="must be 2-dimensional"):
        to_onnx(clf, X[0])


def test_save_onnx_writes_a_file_onnxruntime_loads(digits, tmp_path):
    X, y = digits
    X = X.astype(np.float32)
    clf = fit(small_classifier(), X, y)
    path = tmp_path / "digits.onnx"
    path.write_bytes(b"an older model")
    written = save_onnx(clf, path)
    assert path.read_bytes() == written.SerializeToString()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.onnx"]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    label, proba = sess.run(None, {"X": X})
    np.testing.assert_array_equal(label, clf.predict(X))
    assert np.abs(proba - clf.predict_proba(X)).max() <= 1e-5


def test_missing_extra_says_what_to_install(digits, monkeypatch):
    X, y = digits
    clf = fit(small_classifier(max_iter=1), X, y)
    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # as if not installed
    with pytest.raises(ImportError, match=r'pip install "\.\[onnx\]"'):
        to_onnx(clf)


def test_importing_the_package_does_not_import_skl2onnx():
    code = (
        "import sys, sklearn_scratchnet, sklearn_scratchnet.cli; "
        "assert 'skl2onnx' not in sys.modules, 'skl2onnx imported'; "
        "assert 'onnx' not in sys.modules, 'onnx imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.mnist
@pytest.mark.parametrize(
    "dtype, n_train, min_accuracy",
    [(np.float32, 60000, 0.94), (np.float64, 15000, 0.9)],  # float64 is slower
)
def test_all_mnist_test_digits(mnist, dtype, n_train, min_accuracy):
    """Labels identical to predict and probabilities within 1e-5 (float32) on
    all 10,000 MNIST test digits."""
    X_train, X_test, y_train, y_test = mnist
    X_train, X_test = X_train[:n_train].astype(dtype), X_test.astype(dtype)
    clf = ScratchMLPClassifier(
        hidden_size=32, solver="adam", alpha=3e-3, batch_size=200, max_iter=3,
        random_state=0,
    )  # fmt: skip
    fit(clf, X_train, y_train[:n_train])
    assert clf.W1_.dtype == dtype
    assert clf.score(X_test, y_test) > min_accuracy

    outputs = run(to_onnx(clf), X_test)
    assert outputs["label"].shape == (10000,)
    np.testing.assert_array_equal(outputs["label"], clf.predict(X_test))
    difference = np.abs(outputs["probabilities"] - clf.predict_proba(X_test)).max()
    print(f"max |onnxruntime - predict_proba| ({np.dtype(dtype)}): {difference:.3g}")
    assert difference <= TOLERANCE[dtype]


def test_a_multilabel_model_is_not_exported():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 5))
    Y = (X[:, :3] > 0.5).astype(int)
    clf = ScratchMLPClassifier(max_iter=3).fit(X, Y)
    with pytest.raises(ValueError, match="fitted on multilabel targets"):
        to_onnx(clf)
