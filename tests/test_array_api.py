"""The classifier on any array API namespace (PyTorch, array-api-strict...).

Under ``sklearn.config_context(array_api_dispatch=True)`` the estimator computes
in the namespace and on the device of X; ``tests/conftest.py`` sets
``SCIPY_ARRAY_API=1`` before SciPy is imported, as scikit-learn's dispatch needs.
"""

import os

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._array_api import (
    get_namespace_and_device,
    move_estimator_to,
    yield_mixed_namespace_input_permutations,
    yield_namespace_device_dtype_combinations,
)
from sklearn.utils.estimator_checks import (
    check_array_api_input,
    check_array_api_mixed_inputs,
    check_array_api_same_namespace,
)

from sklearn_scratchnet import ScratchMLPClassifier, persistence

try:
    import torch
except ImportError:  # the tests that need it skip
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="needs PyTorch: pip install torch==2.13.0"
)


def dispatch():
    """scikit-learn's array API dispatch, switched on."""
    return sklearn.config_context(array_api_dispatch=True)


CUDA = pytest.mark.skipif(
    torch is None or not torch.cuda.is_available(), reason="needs a CUDA GPU"
)


def _data(n_classes=3, n_samples=120, dtype=np.float64, seed=0):
    X, y = make_classification(
        n_samples, 8, n_informative=5, n_classes=n_classes, random_state=seed
    )
    return X.astype(dtype), y


def _numpy(array):
    if torch is not None and isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    return array


# --------------------------------------------------------- scikit-learn's checks


@pytest.mark.parametrize(
    "namespace, device_name, dtype_name",
    list(yield_namespace_device_dtype_combinations()),
    ids=lambda value: str(value),
)
@pytest.mark.parametrize(
    "estimator",
    [
        ScratchMLPClassifier(),
        ScratchMLPClassifier(solver="adam", batch_size=8, early_stopping=True),
        ScratchMLPClassifier(solver="lbfgs", class_weight="balanced"),
    ],
    ids=["default", "adam-minibatch-early-stopping", "lbfgs-balanced"],
)
def test_check_array_api_input(estimator, namespace, device_name, dtype_name):
    """scikit-learn's check, with values: the same fit and outputs as NumPy's."""
    check_array_api_input(
        type(estimator).__name__,
        estimator,
        array_namespace=namespace,
        device_name=device_name,
        dtype_name=dtype_name,
        check_values=True,
        check_sample_weight=True,
    )


@pytest.mark.parametrize(
    "other, X_where, _",
    list(yield_mixed_namespace_input_permutations()),
    ids=lambda value: str(value),
)
def test_check_array_api_mixed_inputs(other, X_where, _):
    """y and sample_weight of another namespace or device follow X."""
    check_array_api_mixed_inputs(
        "ScratchMLPClassifier",
        ScratchMLPClassifier(),
        X_ns_and_device=X_where,
        other_ns_and_device=other,
        check_values=True,
    )


def test_check_array_api_same_namespace():
    """Predicting on another namespace than the fit's raises scikit-learn's error."""
    pytest.importorskip("array_api_strict")
    check_array_api_same_namespace(
        "ScratchMLPClassifier", ScratchMLPClassifier(), "array_api_strict"
    )


def test_tags_declare_array_api_support():
    assert ScratchMLPClassifier().__sklearn_tags__().array_api_support


# ------------------------------------------------------------ same numbers


SETTINGS = [
    dict(solver="sgd", batch_size=16, momentum=0.9, activation="relu"),
    dict(solver="sgd", batch_size=None, activation="tanh", l2=0.01),
    dict(solver="adam", batch_size=16, activation="tanh"),
    dict(solver="adam", batch_size=32, activation="relu", early_stopping=True),
    dict(solver="lbfgs", activation="tanh", l2=0.001),
    dict(solver="adam", batch_size=32, early_stopping=True, scoring="loss"),
    dict(solver="sgd", batch_size=32, early_stopping=True, scoring="f1_macro"),
    dict(solver="adam", batch_size=16, dropout=0.3, activation="tanh"),
    dict(solver="sgd", batch_size=None, dropout=0.5, momentum=0.9),
]


@pytest.mark.parametrize(
    "settings", SETTINGS, ids=lambda s: "-".join(map(str, s.values()))
)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)], ids=["64", "32"]
)
@needs_torch
def test_torch_fit_matches_numpy_fit(settings, n_classes, dtype, rtol):
    """Same initial weights and shuffling order: the same training, to rounding."""
    X, y = _data(n_classes, dtype=dtype)
    kwargs = dict(hidden_size=12, max_iter=15, alpha=0.05, random_state=0)
    kwargs.update(settings)
    expected = ScratchMLPClassifier(**kwargs).fit(X, y)
    with dispatch():
        fitted = ScratchMLPClassifier(**kwargs).fit(torch.asarray(X), torch.asarray(y))
    for name in ("W1_", "b1_", "W2_", "b2_"):
        weights = getattr(fitted, name)
        assert isinstance(weights, torch.Tensor)
        assert weights.dtype == getattr(torch, np.dtype(dtype).name)
        assert_allclose(_numpy(weights), getattr(expected, name), rtol=rtol, atol=rtol)
    assert_allclose(fitted.loss_curve_, expected.loss_curve_, rtol=rtol)
    assert fitted.n_iter_ == expected.n_iter_
    assert isinstance(fitted.classes_, np.ndarray)
    assert_array_equal(fitted.classes_, expected.classes_)
    if expected.validation_scores_ is not None:
        assert_allclose(
            fitted.validation_scores_, expected.validation_scores_, rtol=rtol
        )


@needs_torch
def test_dropout_on_batches_of_several_blocks_on_torch_matches_numpy():
    """A full batch of more than ``_network.BLOCK_ROWS`` rows is computed block by
    block, each block with its columns of the step's dropout mask."""
    X, y = _data(3, n_samples=2300)
    kwargs = dict(hidden_size=12, max_iter=3, dropout=0.3, random_state=0)
    expected = ScratchMLPClassifier(**kwargs).fit(X, y)
    with dispatch():
        fitted = ScratchMLPClassifier(**kwargs).fit(torch.asarray(X), torch.asarray(y))
    for name in ("W1_", "b1_", "W2_", "b2_"):
        assert_allclose(_numpy(getattr(fitted, name)), getattr(expected, name))
    assert_allclose(fitted.loss_curve_, expected.loss_curve_)


@needs_torch
def test_partial_fit_and_warm_start_on_torch_match_numpy():
    X, y = _data()
    kwargs = dict(hidden_size=10, solver="adam", batch_size=20, random_state=1)
    expected = ScratchMLPClassifier(**kwargs)
    fitted = ScratchMLPClassifier(**kwargs)
    Xt, yt = torch.asarray(X), torch.asarray(y)
    for _ in range(3):
        expected.partial_fit(X, y, classes=np.unique(y))
        with dispatch():
            fitted.partial_fit(Xt, yt, classes=torch.asarray(np.unique(y)))
    assert_allclose(_numpy(fitted.W1_), expected.W1_, rtol=1e-10, atol=1e-12)
    assert isinstance(fitted._optimizer.first_moment_sums[0], torch.Tensor)

    expected.set_params(warm_start=True, max_iter=5).fit(X, y)
    with dispatch():
        fitted.set_params(warm_start=True, max_iter=5).fit(Xt, yt)
    assert_allclose(_numpy(fitted.W2_), expected.W2_, rtol=1e-10, atol=1e-12)
    assert_allclose(fitted.loss_curve_, expected.loss_curve_, rtol=1e-10)


@needs_torch
def test_multilabel_targets_on_torch():
    X, _ = _data()
    rng = np.random.RandomState(0)
    Y = (X[:, :3] + 0.3 * rng.randn(len(X), 3) > 0).astype(int)
    kwargs = dict(hidden_size=10, solver="adam", batch_size=32, max_iter=10)
    expected = ScratchMLPClassifier(random_state=0, **kwargs).fit(X, Y)
    with dispatch():
        fitted = ScratchMLPClassifier(random_state=0, **kwargs).fit(
            torch.asarray(X), torch.asarray(Y)
        )
        predicted = fitted.predict(torch.asarray(X))
        proba = fitted.predict_proba(torch.asarray(X))
    assert isinstance(predicted, torch.Tensor) and isinstance(proba, torch.Tensor)
    assert_array_equal(_numpy(predicted), expected.predict(X))
    assert_allclose(_numpy(proba), expected.predict_proba(X), rtol=1e-10, atol=1e-15)


# ------------------------------------------------------------ outputs


@pytest.mark.parametrize("n_classes", [2, 4])
@needs_torch
def test_outputs_are_tensors_on_the_input_device(n_classes):
    X, y = _data(n_classes)
    Xt = torch.asarray(X)
    expected = ScratchMLPClassifier(max_iter=30, random_state=0).fit(X, y)
    with dispatch():
        clf = ScratchMLPClassifier(max_iter=30, random_state=0).fit(Xt, y)
        outputs = {
            "predict": clf.predict(Xt),
            "predict_proba": clf.predict_proba(Xt),
            "predict_log_proba": clf.predict_log_proba(Xt),
        }
        score = clf.score(Xt, torch.asarray(y))
    for name, output in outputs.items():
        assert isinstance(output, torch.Tensor), name
        assert output.device == Xt.device, name
        assert_allclose(_numpy(output), getattr(expected, name)(X), rtol=1e-9)
    assert isinstance(score, float)
    assert score == pytest.approx(expected.score(X, y))


@needs_torch
def test_string_labels_are_predicted_as_a_numpy_array():
    """No tensor holds strings: such labels come back as NumPy's."""
    X, y = _data()
    labels = np.array(["cat", "dog", "emu"])[y]
    with dispatch():
        clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(
            torch.asarray(X), labels
        )
        predicted = clf.predict(torch.asarray(X))
    expected = ScratchMLPClassifier(max_iter=20, random_state=0).fit(X, labels)
    assert_array_equal(predicted, expected.predict(X))


@needs_torch
def test_numpy_input_to_a_torch_model():
    """Without dispatch it works (the weights are read as NumPy arrays); with
    dispatch, scikit-learn's rule says that X must be where the weights are."""
    X, y = _data()
    with dispatch():
        clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(torch.asarray(X), y)
        on_torch = _numpy(clf.predict_proba(torch.asarray(X)))
    assert_allclose(clf.predict_proba(X), on_torch, rtol=1e-12)
    assert isinstance(clf.predict(X), np.ndarray)
    assert isinstance(clf.coefs_[0], torch.Tensor)
    with dispatch(), pytest.raises(ValueError, match="must use the same namespace"):
        clf.predict(X)


@needs_torch
def test_move_estimator_to_moves_the_model():
    X, y = _data()
    with dispatch():
        clf = ScratchMLPClassifier(solver="adam", max_iter=10, random_state=0).fit(
            torch.asarray(X), y
        )
        on_numpy = move_estimator_to(clf, np, "cpu")
        assert isinstance(on_numpy.W1_, np.ndarray)
        assert isinstance(on_numpy._optimizer.second_moment_sums[1], np.ndarray)
        assert isinstance(clf.W1_, torch.Tensor)  # the original stays
        xp, _, device = get_namespace_and_device(torch.asarray(X))
        back = move_estimator_to(on_numpy, xp, device)
        assert isinstance(back.W1_, torch.Tensor)
        assert_allclose(
            _numpy(back.predict_proba(torch.asarray(X))), on_numpy.predict_proba(X)
        )


# ------------------------------------------------------------ scikit-learn tools


@needs_torch
def test_pipeline_search_and_cross_validation_on_torch():
    X, y = _data()
    X = X * 5 + 3
    Xt, yt = torch.asarray(X), torch.asarray(y)
    model = make_pipeline(
        StandardScaler(), ScratchMLPClassifier(max_iter=50, random_state=0)
    )
    with dispatch():
        scores = cross_val_score(model, Xt, yt, cv=3)
        search = GridSearchCV(
            model, {"scratchmlpclassifier__hidden_size": [4, 8]}, cv=3
        ).fit(Xt, yt)
        predicted = search.predict(Xt)
        weights = search.best_estimator_[-1].W1_
    expected = cross_val_score(model, X, y, cv=3)
    assert_allclose(scores, expected)
    assert isinstance(predicted, torch.Tensor)
    assert isinstance(weights, torch.Tensor)


# ------------------------------------------------------------ persistence


@pytest.mark.parametrize("format", ["joblib", "skops"])
@needs_torch
def test_a_torch_model_saves_numpy_arrays(tmp_path, format):
    if format == "skops":
        pytest.importorskip("skops")
    X, y = _data()
    with dispatch():
        clf = ScratchMLPClassifier(solver="adam", max_iter=20, random_state=0).fit(
            torch.asarray(X), y
        )
    expected = clf.predict_proba(X)
    path = tmp_path / f"model.{format}"
    persistence.dump(clf, path, format=format)
    loaded = persistence.load(path, trust_pickle=format == "joblib")
    for name in ("W1_", "b1_", "W2_", "b2_"):
        assert isinstance(getattr(loaded, name), np.ndarray)
    assert isinstance(loaded._optimizer.first_moment_sums[0], np.ndarray)
    assert isinstance(clf.W1_, torch.Tensor)  # saving leaves the model as it was
    assert_allclose(loaded.predict_proba(X), expected)


@needs_torch
def test_to_onnx_from_a_torch_model():
    onnx = pytest.importorskip("sklearn_scratchnet.onnx")
    ort = pytest.importorskip("onnxruntime")
    X, y = _data()
    X = X.astype(np.float32)
    with dispatch():
        clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(torch.asarray(X), y)
    session = ort.InferenceSession(onnx.to_onnx(clf).SerializeToString())
    labels, proba = session.run(None, {session.get_inputs()[0].name: X})
    assert_array_equal(labels, clf.predict(X))
    assert_allclose(proba, clf.predict_proba(X), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ bad input


@needs_torch
def test_validation_set_follows_X():
    """A NumPy X_val with a torch X is moved to X's namespace, as y is."""
    X, y = _data()
    X_val, y_val = _data(seed=1)
    kwargs = dict(max_iter=10, random_state=0)
    expected = ScratchMLPClassifier(**kwargs).fit(X, y, X_val=X_val, y_val=y_val)
    with dispatch():
        clf = ScratchMLPClassifier(**kwargs).fit(
            torch.asarray(X), y, X_val=X_val, y_val=torch.asarray(y_val)
        )
    assert_allclose(clf.validation_loss_curve_, expected.validation_loss_curve_)


@needs_torch
def test_sparse_validation_set_with_torch_X_is_refused():
    X, y = _data()
    with dispatch(), pytest.raises(TypeError, match="X_val is a csr_matrix"):
        ScratchMLPClassifier(max_iter=2).fit(
            torch.asarray(X), y, X_val=sparse.csr_matrix(X), y_val=y
        )


def test_unsupported_input_under_dispatch_is_refused():
    class NotAnArray:
        shape = (3, 2)

        def __array_namespace__(self, api_version=None):
            raise TypeError("no namespace here")

    with dispatch(), pytest.raises(TypeError, match="cannot compute on .*NotAnArray"):
        ScratchMLPClassifier().fit(NotAnArray(), [0, 1, 0])


@needs_torch
def test_dispatch_without_scipy_array_api_says_to_set_it(monkeypatch):
    monkeypatch.setitem(os.environ, "SCIPY_ARRAY_API", "0")
    X, y = _data()
    with pytest.raises(RuntimeError, match="SCIPY_ARRAY_API=1"):
        with sklearn.config_context(array_api_dispatch=True):
            ScratchMLPClassifier().fit(torch.asarray(X), y)


@needs_torch
def test_without_dispatch_torch_input_trains_on_numpy():
    X, y = _data()
    clf = ScratchMLPClassifier(max_iter=10, random_state=0).fit(
        torch.asarray(X), torch.asarray(y)
    )
    expected = ScratchMLPClassifier(max_iter=10, random_state=0).fit(X, y)
    assert isinstance(clf.W1_, np.ndarray)
    assert_array_equal(clf.W1_, expected.W1_)


# ------------------------------------------------------------ GPU


@CUDA
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_cuda_fit_matches_cpu_fit(solver):
    X, y = _data()
    kwargs = dict(solver=solver, batch_size=32, max_iter=10, random_state=0)
    expected = ScratchMLPClassifier(**kwargs).fit(X, y)
    Xc = torch.asarray(X, device="cuda")
    with dispatch():
        clf = ScratchMLPClassifier(**kwargs).fit(Xc, torch.asarray(y, device="cuda"))
        proba = clf.predict_proba(Xc)
    assert clf.W1_.device.type == "cuda" and proba.device.type == "cuda"
    assert_allclose(_numpy(clf.W1_), expected.W1_, rtol=1e-7, atol=1e-9)
    assert_allclose(_numpy(proba), expected.predict_proba(X), rtol=1e-7, atol=1e-9)


@CUDA
def test_a_cuda_model_saves_and_loads_without_the_gpu(tmp_path):
    X, y = _data()
    with dispatch():
        clf = ScratchMLPClassifier(max_iter=10, random_state=0).fit(
            torch.asarray(X, device="cuda"), y
        )
    persistence.dump(clf, tmp_path / "model.joblib", format="joblib")
    loaded = persistence.load(tmp_path / "model.joblib", trust_pickle=True)
    assert isinstance(loaded.W1_, np.ndarray)
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------------------ the network alone


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("output, n_outputs", [("softmax", 4), ("logistic", 1)])
@pytest.mark.parametrize("block_rows", [2048, 7])
def test_network_functions_on_array_api_strict(
    activation, output, n_outputs, block_rows
):
    """The note's functions, written once, on the strictest namespace."""
    xps = pytest.importorskip("array_api_strict")
    from sklearn_scratchnet import _network
    from sklearn_scratchnet._namespace import to_numpy

    rng = np.random.RandomState(0)
    X = rng.randn(30, 5)
    y = rng.randint(0, max(n_outputs, 2), 30)
    w = rng.rand(30) + 0.5
    params = _network.init_params(5, 6, n_outputs, activation, rng, np.float64)
    device = xps.Device("device1")

    def strict(array):
        return xps.asarray(array, device=device)

    loss, grads = _network.loss_and_gradients(
        strict(X), strict(y), tuple(map(strict, params)), activation, strict(w),
        l2=0.1, block_rows=block_rows, output=output,
    )  # fmt: skip
    expected_loss, expected = _network.loss_and_gradients(
        X, y, params, activation, w, l2=0.1, block_rows=block_rows, output=output
    )
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for grad, expected_grad in zip(grads, expected, strict=True):
        assert grad.device == device
        assert_allclose(to_numpy(grad), expected_grad, rtol=1e-10, atol=1e-14)
    Z2 = _network.logits(strict(X), tuple(map(strict, params)), activation)
    assert_allclose(
        to_numpy(Z2), _network.logits(X, params, activation), rtol=1e-12, atol=1e-14
    )
    correct = _network.correct(Z2, strict(y), output)
    assert_array_equal(
        to_numpy(correct),
        _network.correct(_network.logits(X, params, activation), y, output),
    )


@needs_torch
def test_callbacks_see_each_pass_of_a_torch_fit():
    """scikit-learn's callbacks get the weights of each pass, as tensors."""
    callback = pytest.importorskip("sklearn.callback")
    X, y = _data()
    seen = []

    class Recorder:
        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if context.task_name == "epoch":
                seen.append(fitted_estimator.W1_)
            return False

        def teardown(self, estimator, context):
            pass

    assert callback  # the API exists
    clf = ScratchMLPClassifier(solver="adam", max_iter=3, random_state=0)
    clf.set_callbacks(Recorder())
    with dispatch():
        clf.fit(torch.asarray(X), torch.asarray(y))
    assert len(seen) == 3 and all(isinstance(W1, torch.Tensor) for W1 in seen)
    assert not torch.equal(seen[0], seen[-1])
    assert torch.equal(seen[-1], clf.W1_)
