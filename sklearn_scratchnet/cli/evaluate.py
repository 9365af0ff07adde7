"""``scratchnet evaluate``: a saved model's scores on the test digits of a data set."""

import numpy as np

from sklearn_scratchnet.cli._common import (
    add_command,
    check_features,
    require_extras,
)
from sklearn_scratchnet.cli._results import print_test_results
from sklearn_scratchnet.datasets import load_data_set, scale_pixels
from sklearn_scratchnet.persistence import classifier_of, load_model


def add_parser(commands):
    """Add ``scratchnet evaluate`` to the sub-command parsers ``commands``."""
    add_command(
        commands,
        "evaluate",
        evaluate_command,
        data=True,
        help="accuracy, confusion matrix and per-class report on test digits",
        description="Score a saved model on the test digits of a data set.",
    )


def evaluate_command(args):
    """``scratchnet evaluate``: accuracy, confusion matrix, per-class report."""
    require_extras("rich")
    model, _ = load_model(args.model, trust_pickle=args.trust_pickle)
    data = load_data_set(args.data, test_only=True)
    print(f"Model: {args.model} ({model!r})")
    print(f"Data: {data.description}")
    X_test = model_input(model, data.X_test)
    check_features(model, X_test.shape[1], f"the data's {X_test.shape[1]} pixels")
    print_test_results(
        data.y_test, model.predict(X_test), confusion=classifier_of(model).classes_
    )


def model_input(model, pixels):
    """Pixels 0-255 as ``model`` takes them: / 255 for a ScratchMLPClassifier,
    as they are for a Pipeline, whose first steps scale them (float32 both)."""
    if model is classifier_of(model):
        return scale_pixels(pixels)
    return np.asarray(pixels, dtype=np.float32)
