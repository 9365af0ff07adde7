"""``scratchnet info``: what a saved model is, how it trained, which libraries."""

import sys
from importlib import metadata

import joblib
import numpy as np

from sklearn_scratchnet import persistence
from sklearn_scratchnet.cli._common import add_command
from sklearn_scratchnet.cli._results import curve_summary, validation_score_name
from sklearn_scratchnet.persistence import classifier_of, load_model


def add_parser(commands):
    """Add ``scratchnet info`` to the sub-command parsers ``commands``."""
    add_command(
        commands,
        "info",
        info_command,
        help="parameters, training summary and library versions of a model",
        description="Describe a saved model.",
    )


def info_command(args):
    """``scratchnet info``: parameters, training summary and library versions."""
    model, saved_with = load_model(args.model, trust_pickle=args.trust_pickle)
    clf = classifier_of(model)
    size = args.model.stat().st_size
    print(f"Model file: {args.model} ({size:,} bytes)")
    print(f"Estimator: {type(model).__name__}")
    if model is not clf:
        print("Steps:")
        for name, step in model.steps:
            print(f"  {name:<20} {step!r}")
    print(f"Parameters{' of the classifier' if model is not clf else ''}:")
    for name, value in clf.get_params().items():
        print(f"  {name:<20} {value!r}")
    n_params = sum(p.size for p in (clf.W1_, clf.b1_, clf.W2_, clf.b2_))
    print(
        f"Network: {clf.n_features_in_} inputs -> {clf.hidden_size} hidden "
        f"({clf.activation}) -> {len(clf.classes_)} classes "
        f"{clf.classes_.tolist()}; {n_params:,} weights and biases ({clf.W1_.dtype})"
    )
    print(f"Training: {clf.n_iter_} passes, {clf.t_:,} samples seen")
    print(f"  {curve_summary('training loss', clf.loss_curve_, min)}")
    if clf.validation_scores_:
        name = validation_score_name(clf)
        print(f"  {curve_summary(name, clf.validation_scores_, max)}")
        print(f"  {curve_summary('validation loss', clf.validation_loss_curve_, min)}")
    print("Libraries (this environment):")
    for name, version in _environment_versions().items():
        print(f"  {name:<20} {version}")
    if saved_with:
        saved = ", ".join(f"{name} {version}" for name, version in saved_with.items())
        print(f"The file was saved with other versions: {saved}.")
    else:
        print("The file was saved with the same sklearn-scratchnet and scikit-learn.")


def _environment_versions():
    """``{library: version}`` of the libraries a saved model depends on.

    The ones a model records when saved come first, from the same function the
    estimator uses, so that this list and the check on loading cannot disagree.
    """
    return {
        **persistence.library_versions(),
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "skops": _version("skops"),
        "python": sys.version.split()[0],
    }


def _version(package):
    """The installed version of ``package``, or "not installed"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"
