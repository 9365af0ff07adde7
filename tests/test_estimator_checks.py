"""scikit-learn's own estimator checks, over the configurations users reach for."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_scratchnet import ScratchMLPClassifier

_REPEAT_VS_WEIGHT = (
    "weight k equals k repeats only for full-batch steps on fixed data; {why} "
    "differs between the weighted and the repeated data set."
)
_RANDOM_SPLIT = _REPEAT_VS_WEIGHT.format(why="the random validation split")
_SAMPLES_SEEN = (
    "the 'invscaling' step size alpha / (t + 1) ** power_t counts the samples "
    "seen, t, which differ between the weighted and the repeated data set."
)
_DROPOUT_MASKS = (
    "dropout draws a mask per sample: a sample repeated k times is dropped out "
    "by k independent masks, a sample of weight k by one, and the loss is not "
    "linear in the mask, so the two fits differ even in expectation."
)

CONFIGURATIONS = {
    "default": (ScratchMLPClassifier(), {}),
    # The checks' data sets have fewer than 32 samples, so each pass is one
    # full batch and sample weights stay equivalent to repetitions: no exception.
    "adam-minibatch": (ScratchMLPClassifier(solver="adam", batch_size=32), {}),
    "early-stopping": (
        ScratchMLPClassifier(early_stopping=True),
        {
            "check_sample_weight_equivalence_on_dense_data": _RANDOM_SPLIT,
            "check_sample_weight_equivalence_on_sparse_data": _RANDOM_SPLIT,
        },
    ),
    # Early stopping on minus the validation loss, as HistGradientBoosting's
    # scoring="loss".
    "early-stopping-loss": (
        ScratchMLPClassifier(early_stopping=True, scoring="loss"),
        {
            "check_sample_weight_equivalence_on_dense_data": _RANDOM_SPLIT,
            "check_sample_weight_equivalence_on_sparse_data": _RANDOM_SPLIT,
        },
    ),
    # Early stopping on a scorer, which calls the estimator during the fit; one
    # that takes every kind of targets the checks give (multilabel too).
    "early-stopping-scorer": (
        ScratchMLPClassifier(early_stopping=True, scoring="f1_macro"),
        {
            "check_sample_weight_equivalence_on_dense_data": _RANDOM_SPLIT,
            "check_sample_weight_equivalence_on_sparse_data": _RANDOM_SPLIT,
        },
    ),
    "balanced": (ScratchMLPClassifier(class_weight="balanced"), {}),
    # MLPClassifier's options, each in at least one configuration.
    "lbfgs": (ScratchMLPClassifier(solver="lbfgs", max_fun=2000), {}),
    "sgd-nesterov-invscaling": (
        ScratchMLPClassifier(
            momentum=0.9,
            nesterovs_momentum=True,
            learning_rate="invscaling",
            power_t=0.1,
        ),
        {
            "check_sample_weight_equivalence_on_dense_data": _SAMPLES_SEEN,
            "check_sample_weight_equivalence_on_sparse_data": _SAMPLES_SEEN,
        },
    ),
    "adam-betas-identity": (
        ScratchMLPClassifier(
            solver="adam",
            beta_1=0.8,
            beta_2=0.99,
            epsilon=1e-7,
            activation="identity",
            learning_rate="adaptive",
            n_iter_no_change=np.inf,
        ),
        {},
    ),
    # Beyond MLPClassifier: dropout on the hidden layer (not with "lbfgs").
    "adam-dropout": (
        ScratchMLPClassifier(solver="adam", dropout=0.2),
        {
            "check_sample_weight_equivalence_on_dense_data": _DROPOUT_MASKS,
            "check_sample_weight_equivalence_on_sparse_data": _DROPOUT_MASKS,
        },
    ),
}


def _expected_failed_checks(estimator):
    for reference, failures in CONFIGURATIONS.values():
        if estimator is reference:
            return failures
    return {}


@parametrize_with_checks(
    [estimator for estimator, _ in CONFIGURATIONS.values()],
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
