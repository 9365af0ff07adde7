"""The stratified hold-out shared by the estimator and the command line."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from sklearn_scratchnet._holdout import stratified_hold_out
from sklearn_scratchnet.exceptions import ValidationSplitWarning


def test_a_possible_split_is_train_test_splits_stratified_one():
    X = np.arange(60.0).reshape(30, 2)
    y = np.arange(30) % 3
    w = np.linspace(1, 2, 30)
    ours = stratified_hold_out(X, y, w, fraction=0.2, random_state=4)
    theirs = train_test_split(X, y, w, test_size=0.2, random_state=4, stratify=y)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(20))
def test_an_impossible_split_never_holds_out_a_class_s_last_sample(seed):
    rng = np.random.RandomState(seed)
    y = rng.choice(5, size=12, p=[0.4, 0.3, 0.2, 0.05, 0.05])
    y[:5] = np.arange(5)  # every class present, some with a single sample
    X = np.arange(12.0)[:, np.newaxis]
    with pytest.warns(ValidationSplitWarning, match="Held out 2 samples"):
        X_train, X_val, y_train, y_val = stratified_hold_out(
            X, y, fraction=0.1, random_state=seed, if_impossible="warn"
        )
    assert set(y_train) == set(range(5))
    assert len(y_val) == 2
    assert sorted([*X_train[:, 0], *X_val[:, 0]]) == list(range(12))
    np.testing.assert_array_equal(y[X_val[:, 0].astype(int)], y_val)


def test_an_impossible_split_is_an_error_by_default():
    with pytest.raises(ValueError, match=r"classes \[2\] have a single.*Try this"):
        stratified_hold_out(
            np.zeros((5, 1)), np.array([0, 0, 1, 1, 2]), fraction=0.2,
            random_state=0, remedy="Try this.",
        )  # fmt: skip
