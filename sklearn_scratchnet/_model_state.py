"""The state of a model: its fitted attributes and its private training state.

A model's state is every fitted attribute (``W1_``, ``classes_``,
``loss_curve_``...) and the private state that continued training needs: the
optimizer, the random stream and the order of ``partial_fit``'s shuffling, the
class totals of "balanced" weights. Training changes it in place, so a copy is
kept and put back should the training fail; under array API dispatch it moves
to the namespace and device of the data, with the model.
"""

import copy
from contextlib import contextmanager

from sklearn_scratchnet._array_api import array_namespace, converted_arrays, mover
from sklearn_scratchnet._namespace import to_numpy

#: The state of continued training (``partial_fit``), which a new fit drops.
TRAINING_STATE = (
    "_optimizer",
    "_partial_fit_rng",
    "_partial_fit_order",
    "_class_totals",
)
# Private parts of the fitted model, kept and restored with its attributes.
_PRIVATE_MODEL_STATE = ("_multilabel", "_scored_with")


def is_model_state(name):
    """Fitted attributes (``W1_``, ``classes_``...) and private training state."""
    return (name.endswith("_") and not name.startswith("__")) or (
        name in TRAINING_STATE + _PRIVATE_MODEL_STATE
    )


def model_state(estimator):
    """The attributes of ``estimator`` that make its model (a new dict)."""
    return {k: v for k, v in vars(estimator).items() if is_model_state(k)}


@contextmanager
def kept_on_failure(estimator):
    """Put the model back as it was if training fails: a fitted model survives.

    The one mechanism that protects the model: training changes the weights,
    the optimizer state, the shuffling stream and the histories in place, so a
    copy of the model's state is kept and put back on any exception
    (divergence, invalid data, a second Ctrl-C). scikit-learn's callback
    bookkeeping is left alone.
    """
    saved = copy.deepcopy(model_state(estimator))
    try:
        yield
    except BaseException:
        for name in model_state(estimator):
            del estimator.__dict__[name]
        estimator.__dict__.update(saved)
        raise


def forget_training(estimator):
    """Drop the optimizer and random state of earlier ``partial_fit`` calls."""
    for name in TRAINING_STATE:
        estimator.__dict__.pop(name, None)


def move_model_to(estimator, where):
    """Move the weights and training state to ``where``: (xp, device), or NumPy.

    Continued training (``warm_start``, ``partial_fit``) computes where its
    data is, as a new fit does.
    """
    state = model_state(estimator)
    if where is None:
        estimator.__dict__.update(converted_arrays(state, to_numpy))
    elif array_namespace(estimator.W1_) != where:
        estimator.__dict__.update(converted_arrays(state, mover(*where)))
