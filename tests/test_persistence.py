"""Saving and loading models: skops and joblib round trips, trust, atomic writes,
version stamps."""

import os
import pickle
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_scratchnet import ScratchMLPClassifier, __version__, persistence
from sklearn_scratchnet.exceptions import (
    InconsistentVersionWarning,
    ModelFileError,
    UntrustedModelError,
)

CONFIGURATIONS = {
    "note": {},
    "adam-minibatch": {"solver": "adam", "alpha": 0.01, "batch_size": 16},
    "momentum-tanh": {"momentum": 0.9, "activation": "tanh", "alpha": 0.05},
    "early-stopping-balanced": {"early_stopping": True, "class_weight": "balanced"},
}


def data(dtype=np.float64, labels=("cat", "dog", "eel")):
    rng = np.random.default_rng(0)
    X = rng.random((90, 5)).astype(dtype)
    y = np.asarray(labels)[(X[:, 0] * 3).astype(int) % 3]
    return X, y


def fitted(dtype=np.float64, **params):
    X, y = data(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = ScratchMLPClassifier(max_iter=20, random_state=0, **params).fit(X, y)
        if hasattr(clf, "partial_fit"):  # not with early stopping
            clf.partial_fit(X, y)  # the optimizer and random state are saved too
    return clf


def one_more_pass(clf, X, y):
    """partial_fit, or where it does not apply a warm-started fit of one pass."""
    if hasattr(clf, "partial_fit"):
        return clf.partial_fit(X, y)
    return clf.set_params(warm_start=True, max_iter=1).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", CONFIGURATIONS.values(), ids=CONFIGURATIONS)
@pytest.mark.parametrize("suffix", [".skops", ".joblib"])
def test_round_trip_predicts_the_same_and_trains_on_the_same(
    tmp_path, params, dtype, suffix
):
    clf = fitted(dtype, **params)
    path = persistence.dump(clf, tmp_path / f"model{suffix}")
    assert persistence.is_skops_file(path) == (suffix == ".skops")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning
        loaded = persistence.load(path, trust_pickle=True)
    X, y = data(dtype)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.W1_.dtype == dtype
    assert loaded.get_params() == clf.get_params()
    assert loaded.loss_curve_ == clf.loss_curve_
    # The optimizer state and the shuffling stream come back too: one more
    # partial_fit takes the same step in both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_more_pass(clf, X, y)
        one_more_pass(loaded, X, y)
    np.testing.assert_array_equal(loaded.W1_, clf.W1_)


def test_skops_needs_only_the_documented_types(tmp_path):
    clf = fitted(solver="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = make_pipeline(StandardScaler(), fitted()).fit(*data())
    for model in (clf, pipeline):
        path = tmp_path / "model.skops"
        skops.io.dump(model, path)
        assert set(skops.io.get_untrusted_types(file=path)) <= set(
            persistence.TRUSTED_TYPES
        )
        # The documented one-liner, with nothing else trusted.
        loaded = skops.io.load(path, trusted=list(persistence.TRUSTED_TYPES))
        X, _ = data()
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


class Tripwire:
    """A foreign type whose rebuilding leaves a mark on disk."""

    marker = None

    def __setstate__(self, state):
        Path(state["marker"]).write_text("executed")
        self.__dict__.update(state)


def test_a_skops_file_with_a_foreign_type_is_refused_unexecuted(tmp_path):
    marker = tmp_path / "executed.txt"
    tripwire = Tripwire()
    tripwire.marker = str(marker)
    model = fitted()
    model.extra_ = tripwire
    path = tmp_path / "crafted.skops"
    skops.io.dump(model, path)
    assert not marker.exists()

    with pytest.raises(UntrustedModelError, match=r"test_persistence\.Tripwire"):
        persistence.load(path)
    with pytest.raises(skops.io.exceptions.UntrustedTypesFoundException):
        skops.io.load(path, trusted=list(persistence.TRUSTED_TYPES))
    assert not marker.exists()
    # Trusting it on purpose does rebuild it, so the marker proves the refusal.
    skops.io.load(path, trusted=[*persistence.TRUSTED_TYPES, f"{__name__}.Tripwire"])
    assert marker.read_text() == "executed"


def test_a_skops_file_edited_to_name_another_class_is_refused(tmp_path):
    path = tmp_path / "model.skops"
    persistence.dump(fitted(), path)
    crafted = tmp_path / "crafted.skops"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "schema.json":
                content = content.replace(
                    b'"sklearn_scratchnet._classifier"', b'"subprocess"'
                ).replace(b'"ScratchMLPClassifier"', b'"Popen"')
            target.writestr(item, content)
    with pytest.raises(UntrustedModelError, match=r"subprocess\.Popen"):
        persistence.load(crafted)


class Payload:
    """Unpickling this runs code: it writes a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "executed"))


def test_a_pickle_is_refused_unless_trusted_and_never_run_when_refused(tmp_path):
    marker = tmp_path / "executed.txt"
    path = tmp_path / "model.joblib"
    joblib.dump(Payload(marker), path)
    plain = tmp_path / "model.pkl"
    plain.write_bytes(pickle.dumps(Payload(marker)))
    for file in (path, plain):
        with pytest.raises(UntrustedModelError, match="trust_pickle=True"):
            persistence.load(file)
    assert not marker.exists()
    persistence.load(path, trust_pickle=True)  # what trusting means
    assert marker.read_text() == "executed"


def test_a_file_that_is_no_model_at_all_is_a_value_error(tmp_path):
    path = tmp_path / "notes.skops"
    path.write_text("not a model")
    with pytest.raises(ValueError, match="neither a skops file nor a joblib"):
        persistence.load(path, trust_pickle=True)


@pytest.mark.parametrize("format", ["skops", "joblib"])
@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_leaves_the_previous_file_intact(
    tmp_path, monkeypatch, format, failure
):
    path = tmp_path / "model.bin"
    persistence.dump(fitted(), path, format=format)
    good = path.read_bytes()

    def write_half_then_fail(model, file):
        Path(file).write_bytes(good[: len(good) // 2])
        raise failure

    writer = (skops.io, "dump") if format == "skops" else (joblib, "dump")
    monkeypatch.setattr(*writer, write_half_then_fail)
    with pytest.raises(type(failure)):
        persistence.dump(fitted(solver="adam"), path, format=format)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]  # no leftovers


def test_a_saved_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = persistence.dump(fitted(), tmp_path / "model.skops")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        persistence.dump(fitted(), tmp_path / "m", format="json")


def test_models_carry_the_library_versions():
    state = fitted().__getstate__()
    assert state["_saved_with_versions"] == current_versions()
    loaded = pickle.loads(pickle.dumps(fitted()))
    assert "_saved_with_versions" not in vars(loaded)  # a stamp, not an attribute


def current_versions():
    import sklearn

    return {"sklearn-scratchnet": __version__, "scikit-learn": sklearn.__version__}


STAMPS = {
    "other-scratchnet": (
        {"sklearn-scratchnet": "0.0.1"},
        [("sklearn-scratchnet", "0.0.1")],
    ),
    "other-sklearn": ({"scikit-learn": "0.24.2"}, [("scikit-learn", "0.24.2")]),
    "unstamped": (
        None,
        [("sklearn-scratchnet", "unknown"), ("scikit-learn", "unknown")],
    ),
}


@pytest.mark.parametrize(("changed", "expected"), STAMPS.values(), ids=STAMPS)
@pytest.mark.parametrize("format", ["pickle", "skops"])
def test_loading_a_model_from_other_versions_warns(
    tmp_path, monkeypatch, changed, expected, format
):
    model = fitted()
    versions = None if changed is None else {**current_versions(), **changed}
    # Save the model as another version of the libraries would have.
    original_getstate = ScratchMLPClassifier.__getstate__
    monkeypatch.setattr(
        ScratchMLPClassifier,
        "__getstate__",
        lambda self: with_versions_of(original_getstate(self), versions),
    )
    path = tmp_path / f"model.{'skops' if format == 'skops' else 'joblib'}"
    persistence.dump(model, path)
    monkeypatch.undo()

    with pytest.warns(InconsistentVersionWarning) as caught:
        loaded = persistence.load(path, trust_pickle=True)
    found = [
        (w.message.library, w.message.original_version.split()[0])
        for w in caught
        if isinstance(w.message, InconsistentVersionWarning)
    ]
    assert found == expected
    message = str(caught[0].message)
    assert "Trying to unpickle estimator ScratchMLPClassifier" in message
    assert f"when using version {current_versions()[expected[0][0]]}" in message
    X, _ = data()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def with_versions_of(state, versions):
    if versions is None:
        state.pop("_saved_with_versions")
    else:
        state["_saved_with_versions"] = versions
    return state


def test_a_model_saved_before_some_parameters_existed_gets_their_defaults():
    """A model saved by a version without (say) ``scoring`` and ``max_fun``
    loads with those parameters' defaults: get_params, repr and clone work."""
    clf = fitted()
    state = clf.__getstate__()
    for newer in ("scoring", "max_fun", "beta_1"):
        del state[newer]
    old = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.__setstate__(state)
    defaults = ScratchMLPClassifier().get_params()
    expected = dict(clf.get_params())
    expected.update({name: defaults[name] for name in ("scoring", "max_fun", "beta_1")})
    assert old.get_params() == expected
    assert repr(old).startswith("ScratchMLPClassifier(")
    assert clone(old).get_params() == expected
    X, _ = data()
    np.testing.assert_array_equal(old.predict(X), clf.predict(X))


# ------------------------------------------------------------------ load_model


def test_library_versions_are_what_a_model_records():
    assert persistence.library_versions() == current_versions()
    assert fitted().__getstate__()["_saved_with_versions"] == (
        persistence.library_versions()
    )


@pytest.mark.parametrize("suffix", [".skops", ".joblib"])
def test_load_model_gives_the_model_and_the_versions_it_was_saved_with(
    tmp_path, monkeypatch, suffix
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make_pipeline(StandardScaler(), clone(fitted())).fit(*data())
    path = persistence.dump(model, tmp_path / f"model{suffix}")
    loaded, saved_with = persistence.load_model(path, trust_pickle=True)
    assert saved_with == {}
    assert persistence.classifier_of(loaded).get_params() == model[-1].get_params()
    X, _ = data()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    original_getstate = ScratchMLPClassifier.__getstate__
    monkeypatch.setattr(
        ScratchMLPClassifier,
        "__getstate__",
        lambda self: with_versions_of(
            original_getstate(self), {**current_versions(), "scikit-learn": "0.24.2"}
        ),
    )
    persistence.dump(model, path)
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)  # collected
        _, saved_with = persistence.load_model(str(path), trust_pickle=True)
    assert saved_with == {"scikit-learn": "0.24.2"}


def test_load_model_refuses_what_is_not_a_fitted_model_of_ours(tmp_path):
    refusals = {
        "folder": (tmp_path, IsADirectoryError, "is a folder, not a model file"),
        "missing": (
            tmp_path / "none.skops",
            FileNotFoundError,
            "Train one with: scratchnet train --out",
        ),
        "text": (tmp_path / "notes.txt", ModelFileError, "neither a skops file"),
        "other estimator": (
            persistence.dump(StandardScaler().fit([[0.0]]), tmp_path / "s.skops"),
            ModelFileError,
            "holds a sklearn.preprocessing._data.StandardScaler, not a "
            "ScratchMLPClassifier",
        ),
        "unfitted": (
            persistence.dump(ScratchMLPClassifier(), tmp_path / "u.skops"),
            ModelFileError,
            "holds a ScratchMLPClassifier that was never fitted",
        ),
        "pickle": (
            persistence.dump(fitted(), tmp_path / "m.joblib"),
            UntrustedModelError,
            "loading a pickle can run any code",
        ),
    }
    (tmp_path / "notes.txt").write_text("not a model")
    for path, error, message in refusals.values():
        with pytest.raises(error, match=message):
            persistence.load_model(path)
    assert issubclass(ModelFileError, ValueError)
