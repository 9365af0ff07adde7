"""ScratchMLPClassifier: the note's network as a scikit-learn classifier.

This module is scikit-learn glue only: parameter and input validation, the
validation set, and the model's state before and after training. It leans on
three modules beside it, each of plain functions:

    _targets             labels and targets: their kinds, the output layer,
                         labels encoded for the network and back, the sample
                         weights times the class weights
    _validation_scoring  the scorer that ``scoring`` names, for early stopping
    _array_api           scikit-learn's array API dispatch: X's namespace and
                         device, arrays moved there and back

``fit`` reads straight down::

    fit / partial_fit    ScratchMLPClassifier._fit: validate, prepare, store
      _training.train    the loop: passes, stopping, validation, Ctrl-C
        _steps           one gradient step per mini-batch
          _network       the note's forward, loss and backward
          _optimizers    the note's update (and Adam)
"""

import copy
import inspect
import math
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import sklearn
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
)
from sklearn.utils.validation import (
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from sklearn_scratchnet import _lbfgs, _network, _steps, _training
from sklearn_scratchnet._array_api import (
    array_namespace,
    as_numpy,
    check_same_namespace,
    converted_arrays,
    moved_like,
    mover,
    take,
)
from sklearn_scratchnet._callbacks import (
    CallbackSupportMixin,
    PassCallbacks,
    weights_as_attributes,
)
from sklearn_scratchnet._holdout import stratified_hold_out
from sklearn_scratchnet._namespace import (
    copy as copy_array,
)
from sklearn_scratchnet._namespace import (
    from_numpy,
    is_numpy,
    namespace,
    numpy_dtype,
    to_numpy,
)
from sklearn_scratchnet._optimizers import Adam, GradientDescent
from sklearn_scratchnet._targets import (
    check_every_class,
    check_indicator_width,
    check_same_kind_of_targets,
    check_two_classes,
    encode_labels,
    kind_of_targets,
    labels_of,
    output_activation,
    training_weights,
)
from sklearn_scratchnet._targets import (  # re-exported: its import path before
    class_weights_per_sample as class_weights_per_sample,
)
from sklearn_scratchnet._validation_scoring import scorer_for, validation_scoring
from sklearn_scratchnet._version import __version__
from sklearn_scratchnet.exceptions import (
    FitInterruptedWarning,
    InconsistentVersionWarning,
    UnscaledInputWarning,
)

# Features beyond this magnitude saturate or kill the hidden units at the initial
# weights (raw 0-255 pixels leave every ReLU dead after one step).
_LARGE_FEATURE = 100.0


class ScratchMLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """The origin note's two-layer network: input -> hidden ReLU -> softmax.

    A neural network written by hand in NumPy (see :mod:`sklearn_scratchnet._network`
    for the equations) that behaves like any scikit-learn classifier. The defaults
    reproduce the note's algorithm: 10 hidden ReLU units, full-batch gradient
    descent with learning rate ``alpha=0.1`` for 500 passes; only the initial
    weights differ, Glorot-uniform rather than the note's U(-0.5, 0.5).

    As MLPClassifier, it takes three kinds of targets: three or more classes
    (the note's softmax output), two classes (one logistic output unit, the
    probability of the second class) and multilabel targets, a 0/1 indicator
    matrix (one logistic output unit per label, ``predict`` returning the
    indicator matrix).

    Under ``sklearn.config_context(array_api_dispatch=True)`` it computes on
    arrays of any array API namespace scikit-learn supports (PyTorch on CPU or
    GPU, CuPy, array-api-strict), on their device, with the same equations: the
    fitted weights live in X's namespace and on its device, ``y``,
    ``sample_weight`` and ``X_val`` follow X, and the predictions come back
    there. ``classes_`` stays a NumPy array. Saved models (pickle, joblib,
    skops) hold NumPy arrays. SciPy must have been imported with
    ``SCIPY_ARRAY_API=1`` in the environment.

    Parameters
    ----------
    hidden_size : int, default=10
        Number of hidden units, the note's h. MLPClassifier:
        ``hidden_layer_sizes=(hidden_size,)``.

    alpha : float, default=0.1
        The note's alpha: the **learning rate** (step size), not a penalty.
        MLPClassifier: ``learning_rate_init``.

    max_iter : int, default=500
        Maximum number of passes (epochs) over the training data per ``fit``.

    batch_size : int or None, default=None
        Samples per gradient step. None uses the whole training set for every
        step (full-batch gradient descent, one step per pass, as in the note).
        Larger than the number of samples means full batch.

    solver : {"sgd", "adam", "lbfgs"}, default="sgd"
        "sgd" is the note's update ``W -= alpha dW`` (with optional momentum
        and a ``learning_rate`` schedule); "adam" is Adam (``beta_1``,
        ``beta_2``, ``epsilon``); "lbfgs" minimises the same loss with SciPy's
        L-BFGS-B on all the data at once, as MLPClassifier's "lbfgs" does
        (``max_iter`` iterations, ``max_fun`` loss evaluations, ``tol`` on the
        gradient; ``alpha``, ``batch_size``, ``shuffle`` and early stopping do
        not apply, and there is no ``partial_fit``). scikit-learn recommends
        "lbfgs" for small data sets.

    momentum : float, default=0.0
        Momentum for the "sgd" solver, in [0, 1]. 0 is the note's plain update.
        Ignored by the other solvers.

    l2 : float, default=0.0
        Strength of the L2 penalty on the weights ``W1`` and ``W2``; the same
        objective as MLPClassifier's ``alpha``.

    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Hidden activation g. "relu" is the note's; "identity" makes the hidden
        layer linear.

    class_weight : dict, "balanced" or None, default=None
        Weights for classes as ``{label: weight}``; labels not listed get 1.
        "balanced" weights classes inversely to their (sample-weighted)
        frequency in the training data; in ``partial_fit``, in all the data
        passed to ``partial_fit`` so far. Not for multilabel targets (use
        ``sample_weight``).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified), stop
        when the validation score (accuracy unless ``scoring`` says otherwise)
        has not improved by ``tol`` for ``n_iter_no_change`` passes, and keep the
        weights of the best pass.
        With ``warm_start``, the weights a fit starts from compete too: a
        continued fit whose passes never beat them keeps them. A validation set
        given to ``fit`` as ``X_val, y_val`` is used instead of a split. Ignored
        by ``partial_fit``. Where no stratified split exists (a class with a
        single sample, or fewer validation samples than classes), the samples
        are held out at random but never a class's last one, with a
        :class:`~sklearn_scratchnet.exceptions.ValidationSplitWarning`.

    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping`` is True.

    n_iter_no_change : int or np.inf, default=10
        Passes without improvement of at least ``tol`` before training stops
        (with ``learning_rate="adaptive"``, before the step size is divided by
        5). ``np.inf`` never stops early.

    tol : float, default=1e-4
        Minimum improvement of the training loss (or, with early stopping, the
        validation score) that counts as progress.

    shuffle : bool, default=True
        Shuffle the samples before each pass when training in mini-batches.
        Full-batch steps do not depend on the order, so nothing is shuffled then.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation split.
        An int gives bitwise-identical results from one fit to the next.

    warm_start : bool, default=False
        If True, ``fit`` continues from the current weights instead of starting
        over; ``loss_curve_`` and ``n_iter_`` keep growing. The data must have
        the same classes, and ``hidden_size`` must be the fitted network's: a
        continued fit cannot resize the network, and raises a ValueError that
        says so (set ``warm_start=False`` to start afresh).

    verbose : bool or int, default=False
        Print one line per pass: loss, validation score and time.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        The step size schedule of the "sgd" solver, as MLPClassifier's:
        "constant" keeps ``alpha``; "invscaling" uses
        ``alpha / (t + 1) ** power_t`` after each pass, t the samples seen;
        "adaptive" keeps ``alpha`` while the training improves and divides it
        by 5 each time ``n_iter_no_change`` passes did not, stopping once it
        falls below 1e-6.

    power_t : float, default=0.5
        The exponent of the "invscaling" schedule.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with "sgd" when ``momentum > 0``.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's first and second moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Adam's guard against division by zero.

    max_fun : int, default=15000
        The most loss evaluations "lbfgs" makes.

    scoring : str, callable or None, default=None
        How a validation set (early stopping's split, or ``X_val, y_val``) is
        scored after each pass, higher being better, as
        HistGradientBoostingClassifier's ``scoring``:

        - None: the accuracy (weighted by the validation samples' weights), as
          MLPClassifier's early stopping;
        - "loss": minus the validation loss (``-validation_loss_curve_``);
        - another str: a scorer name, see :func:`sklearn.metrics.get_scorer_names`;
        - a callable ``scorer(estimator, X, y)``, as for ``GridSearchCV``.

        A scorer is called with the estimator predicting with the weights being
        scored, the validation samples and their labels, and with their
        ``sample_weight`` when the validation set is a weighted split and the
        scorer accepts it. The scores go into ``validation_scores_``; early
        stopping stops on them and keeps the weights that score best. The
        scorer must take the validation targets as they come, as in
        ``GridSearchCV``: "balanced_accuracy" takes no multilabel targets, and
        "neg_log_loss" fails on a validation set that lacks a class. Beyond
        MLPClassifier.

    dropout : float, default=0.0
        The rate of inverted dropout on the hidden layer, in [0, 1): during
        training each step sets each hidden unit of each sample to 0 with this
        probability and scales the others by ``1 / (1 - dropout)``
        (``A1 = g(Z1) * M``; see :func:`sklearn_scratchnet._network.dropout_mask`).
        Prediction, ``predict_proba``, the validation scores and the validation
        loss use the full network, which the scaling makes the expected one.
        The masks are drawn from ``random_state``, so an int gives
        bitwise-identical fits. With dropout, ``loss_curve_`` records the loss
        of the dropped-out network on each mini-batch (as PyTorch reports it),
        which is higher than the full network's. 0 is the note's network and
        draws nothing. Only for "sgd" and "adam": "lbfgs" needs a deterministic
        loss and raises a ValueError. Not in MLPClassifier.

    Attributes
    ----------
    W1_ : ndarray of shape (hidden_size, `n_features_in_`)
        Hidden-layer weights, the note's W1.

    b1_ : ndarray of shape (hidden_size,)
        Hidden-layer biases, the note's b1.

    W2_ : ndarray of shape (`n_outputs_`, hidden_size)
        Output-layer weights, the note's W2.

    b2_ : ndarray of shape (`n_outputs_`,)
        Output-layer biases, the note's b2.

    classes_ : ndarray of shape (n_classes,)
        Class labels; for multilabel targets, the label columns
        ``0 .. n_labels - 1``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit; only when X had string column names.

    n_iter_ : int
        Number of passes over the training data made by the last ``fit``
        (1 after a ``partial_fit`` call); for "lbfgs", its iterations.

    t_ : int
        Number of training samples seen by all the fits so far (counted once
        per pass).

    loss_ : float
        The training loss of the last pass (for "lbfgs", of the final
        weights).

    loss_curve_ : list of float
        Training loss of each pass (the mean of its mini-batch losses, each
        taken before its step; with ``dropout``, of the dropped-out network).

    best_loss_ : float or None
        Lowest value in ``loss_curve_``; None when early stopping decides when
        to stop (as MLPClassifier), and with "lbfgs".

    validation_scores_ : list of float or None
        Validation score (see ``scoring``; the accuracy by default) after each
        pass; None without a validation set.

    validation_loss_curve_ : list of float or None
        Validation loss after each pass; None without a validation set.

    best_validation_score_ : float or None
        Best value in ``validation_scores_``; None without a validation set.

    n_layers_ : int
        3: the input, the hidden and the output layer.

    n_outputs_ : int
        Number of output units: one per class (softmax), 1 for two classes,
        one per label for multilabel targets.

    out_activation_ : {"softmax", "logistic"}
        The output activation: "softmax" for three or more classes, "logistic"
        for two classes and for multilabel targets.

    coefs_ : list of ndarray
        Read-only views ``[W1_.T, W2_.T]`` in MLPClassifier's orientation.

    intercepts_ : list of ndarray
        Read-only views ``[b1_, b2_]``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer perceptron.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_scratchnet import ScratchMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ScratchMLPClassifier(hidden_size=32, solver="adam", alpha=0.01,
    ...                            batch_size=64, max_iter=30, random_state=0)
    >>> clf.fit(X / 16, y).score(X / 16, y) > 0.95
    True
    """

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"sgd", "adam", "lbfgs"})],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(_network.ACTIVATIONS))],
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "scoring": [str, callable, None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        hidden_size=10,
        alpha=0.1,
        max_iter=500,
        batch_size=None,
        solver="sgd",
        momentum=0.0,
        l2=0.0,
        activation="relu",
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=False,
        learning_rate="constant",
        power_t=0.5,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        max_fun=15000,
        scoring=None,
        dropout=0.0,
    ):
        self.hidden_size = hidden_size
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.solver = solver
        self.momentum = momentum
        self.l2 = l2
        self.activation = activation
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.max_fun = max_fun
        self.scoring = scoring
        self.dropout = dropout

    # ------------------------------------------------------------------ public API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        """Train the network on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (MNIST: pixels scaled to [0, 1]).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix of multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each sample's share of the loss is its weight
            over the total. Weight k is equivalent to repeating a sample k times
            (for full-batch training).
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Own validation set. Recorded in ``validation_scores_`` and
            ``validation_loss_curve_`` after each pass; with ``early_stopping``
            it decides when to stop instead of a held-out split.
        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            Labels of ``X_val``, as ``y``; required with it.

        Returns
        -------
        self : ScratchMLPClassifier
            The fitted estimator.
        """
        with self._kept_on_failure():
            return self._fit(X, y, sample_weight, X_val, y_val, partial=False)

    def _check_partial_fit(self):
        """Whether partial_fit applies to these parameters (for available_if)."""
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for the stochastic solvers 'sgd' "
                "and 'adam'; solver='lbfgs' trains on all the data at once. Use "
                "fit, or another solver."
            )
        if isinstance(self.early_stopping, bool | np.bool_) and self.early_stopping:
            raise AttributeError(
                "partial_fit does not support early_stopping=True: each call "
                "makes one pass over the data it is given, with no validation "
                "split to stop on. Set early_stopping=False, or use fit."
            )
        return True

    @available_if(_check_partial_fit)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one pass over (X, y), continuing from the current state.

        The weights and the optimizer state (momentum, Adam moments) carry over
        between calls, so ``hidden_size`` must stay the fitted network's (a
        ValueError says so otherwise). As MLPClassifier's, it is available only
        for the "sgd" and "adam" solvers without early stopping.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels (or multilabel indicator matrix); a batch may lack some
            classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.
        classes : array-like of shape (n_classes,), default=None
            All the labels the model will ever see (for multilabel targets,
            ``range(n_labels)``). Required on the first call, optional (but
            must not change) afterwards.

        Returns
        -------
        self : ScratchMLPClassifier
            The updated estimator.
        """
        # scikit-learn validates partial_fit's parameters on the first call only;
        # set_params may have changed them since.
        self._validate_params()
        with self._kept_on_failure():
            if _check_partial_fit_first_call(self, as_numpy(classes)):
                check_two_classes(self.classes_, type(self).__name__)
            return self._fit(X, y, sample_weight, None, None, partial=True)

    def predict_proba(self, X):
        """Class probabilities, the note's A2 = softmax(Z2).

        With two classes, the logistic output is the second class's
        probability p, and the rows are ``[1 - p, p]``; with multilabel
        targets, each label's probability.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one (except for multilabel targets); columns follow
            ``classes_``. No probability is below the smallest positive normal
            number of its dtype, so that its logarithm is
            ``predict_log_proba``'s, finite; a label's probability (multilabel
            targets) is also below 1.
        """
        Z2 = self._logits(X, "predict_proba")
        return _network.output_probabilities(
            Z2, self.out_activation_, two_classes=self._is_binary()
        )

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, finite for any logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; ``log(predict_proba(X))``, at least
            the logarithm of the dtype's smallest positive normal number. For
            multilabel targets, labels whose probabilities round to the same
            number have the same log-probability, so that both methods rank a
            sample's labels alike.
        """
        Z2 = self._logits(X, "predict_log_proba")
        return _network.output_probabilities(
            Z2, self.out_activation_, log=True, two_classes=self._is_binary()
        )

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; for multilabel targets, the 0/1 indicator
            matrix (a label is predicted where its probability exceeds 0.5).
        """
        Z2 = self._logits(X, "predict")
        xp = namespace(Z2)
        predicted = _network.predictions(Z2, self.out_activation_)
        if self._is_multilabel():
            return xp.astype(predicted, xp.int64).T
        if self._is_binary():
            predicted = xp.astype(predicted[0, :], xp.int64)
        if is_numpy(Z2) or self.classes_.dtype.kind not in "biuf":
            return self.classes_[to_numpy(predicted)]
        return xp.take(from_numpy(self.classes_, like=Z2), predicted)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on (X, y), as scikit-learn's ``accuracy_score``.

        Under array API dispatch, on X of another namespace than NumPy's, the
        predictions and labels are compared in NumPy: the score is the same
        float as for NumPy input.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels (or multilabel indicator matrix).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` against ``y``.
        """
        if array_namespace(X) is None:
            return super().score(X, y, sample_weight)
        predicted = as_numpy(self.predict(X))
        with config_context(array_api_dispatch=False):
            return float(
                accuracy_score(
                    as_numpy(y), predicted, sample_weight=as_numpy(sample_weight)
                )
            )

    @property
    def n_layers_(self):
        """3: the input, the hidden and the output layer."""
        check_is_fitted(self)
        return 3

    @property
    def n_outputs_(self):
        """Number of output units: one per class, 1 for two, one per label."""
        check_is_fitted(self)
        return self.W2_.shape[0]

    @property
    def coefs_(self):
        """Read-only ``[W1_.T, W2_.T]``: MLPClassifier's orientation.

        In the namespace and on the device of the weights; views of arrays
        other than NumPy's are not read-only.
        """
        check_is_fitted(self)
        return [_read_only(self.W1_.T), _read_only(self.W2_.T)]

    @property
    def intercepts_(self):
        """Read-only ``[b1_, b2_]``: MLPClassifier's layout."""
        check_is_fitted(self)
        return [_read_only(self.b1_), _read_only(self.b2_)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        # Class weights weight classes; multilabel targets have none to weight.
        tags.classifier_tags.multi_label = self.class_weight is None
        return tags

    def __getstate__(self):
        # Stamp the library versions into every saved model (joblib, pickle,
        # skops), so that loading it elsewhere can tell when they differ. Arrays
        # are saved as NumPy arrays, whatever namespace and device the model
        # was fitted on (a GPU's weights load on a machine without one).
        state = converted_arrays(super().__getstate__(), to_numpy)
        return dict(state, **{_VERSION_STAMP: _library_versions()})

    def __sklearn_array_api_convert__(self, converter):
        """A copy of the model with its arrays converted (scikit-learn's hook).

        scikit-learn's ``move_estimator_to(estimator, xp, device)`` calls it: the
        weights and the training state move; ``classes_`` stays a NumPy array.
        """
        new = clone(self)
        state = {k: v for k, v in vars(self).items() if _is_model_state(k)}
        new.__dict__.update(copy.deepcopy(converted_arrays(state, converter)))
        return new

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop(_VERSION_STAMP, None) or {}
        for library, current in _library_versions().items():
            original = saved.get(library, "unknown (an older sklearn-scratchnet)")
            if original != current:
                warnings.warn(
                    InconsistentVersionWarning(
                        estimator_name=type(self).__name__,
                        library=library,
                        original_version=original,
                        current_version=current,
                    ),
                    stacklevel=2,
                )
        if "W1_" in state:
            # Models saved before two-class and multilabel targets got logistic
            # outputs have one softmax output per class.
            state.setdefault("out_activation_", "softmax")
        # A parameter added since the model was saved takes its default, the
        # behaviour the model was trained with.
        for name, default in _PARAMETER_DEFAULTS.items():
            state.setdefault(name, default)
        super().__setstate__(state)

    # ------------------------------------------------------------------ internals

    def _logits(self, X, method="predict"):
        """The network's Z2 (n_outputs, n_samples) for validated input X.

        Under array API dispatch, X must be in the namespace and on the device
        of the weights (scikit-learn's convention), and so is Z2. Without it, X
        is a NumPy array and weights of another namespace are read as NumPy
        arrays.
        """
        check_is_fitted(self)
        if get_config()["array_api_dispatch"]:
            check_same_namespace(X, self, method)
        params = self._params()
        if array_namespace(X) is None:
            params = tuple(to_numpy(p) for p in params)
        X = validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=params[0].dtype,
            reset=False,
            ensure_all_finite=False,
        )

        # X is checked for NaN and infinity only where its product with W1 is
        # not finite (see _network.hidden_forward): X is read from memory once.
        def check_finite(X_block):
            assert_all_finite(
                X_block, input_name="X", estimator_name=type(self).__name__
            )

        return _network.prediction_logits(X, params, self.activation, check_finite)

    def _params(self):
        return self.W1_, self.b1_, self.W2_, self.b2_

    def _move_model_to(self, where):
        """Move the weights and training state to ``where``: (xp, device), or NumPy.

        Continued training (``warm_start``, ``partial_fit``) computes where its
        data is, as a new fit does.
        """
        state = {k: v for k, v in vars(self).items() if _is_model_state(k)}
        if where is None:
            self.__dict__.update(converted_arrays(state, to_numpy))
        else:
            xp, device_ = where
            if array_namespace(self.W1_) != (xp, device_):
                self.__dict__.update(converted_arrays(state, mover(xp, device_)))

    def _is_binary(self):
        """Two classes on one logistic output unit (the second class's)."""
        return self.out_activation_ == "logistic" and not self._is_multilabel()

    def _is_multilabel(self):
        """Whether the model learns multilabel targets (an indicator matrix)."""
        return self.__dict__.get("_multilabel", False)

    def _n_output_units(self):
        """Output units for this fit's targets: 1 for two classes."""
        if self.out_activation_ == "logistic" and not self._is_multilabel():
            return 1
        return len(self.classes_)

    @contextmanager
    def _kept_on_failure(self):
        """Put the model back as it was if training fails: a fitted model survives.

        The one mechanism that protects the model: training changes the weights,
        the optimizer state, the shuffling stream and the histories in place, so
        a copy of the model's state is kept and put back on any exception
        (divergence, invalid data, a second Ctrl-C). scikit-learn's callback
        bookkeeping is left alone.
        """
        saved = copy.deepcopy(
            {k: v for k, v in vars(self).items() if _is_model_state(k)}
        )
        try:
            yield
        except BaseException:
            for key in [k for k in vars(self) if _is_model_state(k)]:
                del self.__dict__[key]
            self.__dict__.update(saved)
            raise

    def _forget_training(self):
        """Drop the optimizer and random state of earlier partial_fit calls."""
        for name in _TRAINING_STATE:
            self.__dict__.pop(name, None)

    def _fit(self, X, y, sample_weight, X_val, y_val, partial):
        """Validate the data, run the training loop, store what it learned.

        ``partial`` marks a ``partial_fit`` call: one pass that continues the
        optimizer state, the shuffling stream and the class totals of the calls
        before it.
        """
        # Under array API dispatch, X of a namespace other than NumPy's (PyTorch,
        # CuPy, array-api-strict) is trained on in its namespace, on its device:
        # the weights live there. Labels and weights are prepared in NumPy and
        # moved there for training.
        where = array_namespace(X)
        self._check_dropout_solver()
        scorer = scorer_for(self, self.scoring)
        from_current_weights = hasattr(self, "W1_") and (partial or self.warm_start)
        if from_current_weights:
            self._check_same_network(partial)
            if where is not None or not is_numpy(self.W1_):
                self._move_model_to(where)
        elif not partial:
            self._forget_training()
        X, targets, sample_weight = self._training_data(
            X, y, sample_weight, from_current_weights, partial
        )
        _warn_if_unscaled(X)
        counted = sample_weight > 0
        if not counted.all():
            # A zero weight means the sample counts for nothing; dropping it keeps
            # mini-batches and the validation split made of samples that count.
            X, targets, sample_weight = (
                X[counted] if where is None else take(X, np.flatnonzero(counted)),
                targets[counted],
                sample_weight[counted],
            )
        if partial:
            rng = self.__dict__.setdefault(
                "_partial_fit_rng", check_random_state(self.random_state)
            )
        else:
            rng = check_random_state(self.random_state)
        if where is None:
            X, targets, sample_weight, validation = self._validation_data(
                X, targets, sample_weight, X_val, y_val, rng, partial
            )
        else:
            # The split is made on row indices, with the same random draws.
            rows, targets, sample_weight, validation = self._validation_data(
                np.arange(X.shape[0]), targets, sample_weight, X_val, y_val, rng,
                partial, like=X,
            )  # fmt: skip
            if validation is not None and validation.X is None:  # a split
                validation.X = take(X, validation.rows)
            X = take(X, rows) if len(rows) < X.shape[0] else X
        if validation is not None:
            validation.scoring = validation_scoring(self, validation, scorer)
        if not from_current_weights:
            self._start_afresh(X.shape[1], numpy_dtype(X), rng, validation is not None)
            if where is not None:
                self._move_model_to(where)
        if where is not None:
            targets = from_numpy(targets, like=X)
            sample_weight = from_numpy(sample_weight, like=X)
            if validation is not None:
                validation.y = from_numpy(validation.y, like=X)
                validation.sample_weight = from_numpy(validation.sample_weight, X)
        history = self._history(validation is not None)
        if self.solver == "lbfgs":
            return self._fit_lbfgs(X, targets, sample_weight, validation, history)
        return self._fit_stochastic(
            X, targets, sample_weight, validation, history, rng, partial,
            from_current_weights,
        )  # fmt: skip

    def _fit_stochastic(
        self, X, targets, sample_weight, validation, history, rng, partial,
        from_current_weights,
    ):  # fmt: skip
        """Train with the training loop: passes of mini-batch steps."""
        max_passes = 1 if partial else self.max_iter
        batch_size = min(self.batch_size or X.shape[0], X.shape[0])
        optimizer = self._optimizer_for(partial)
        steps = _steps.steps_for(
            X, batch_size, self._params(), optimizer, self.activation, self.l2,
            self.out_activation_, self.dropout, self._dropout_rng(rng),
        )  # fmt: skip
        on_validation = self.early_stopping and validation is not None and not partial

        def labels():
            return labels_of(to_numpy(targets), self.classes_)

        fit_task = self._init_callback_context(max_subtasks=max_passes)
        fit_task.call_on_fit_task_begin(estimator=self, X=X, y=labels)
        outcome = _training.train(
            steps, X, targets, sample_weight,
            max_passes=max_passes,
            batch_size=batch_size,
            shuffle=self.shuffle,
            rng=rng,
            history=history,
            stopping=_training.NoImprovement(
                self.n_iter_no_change, self.tol, on_validation
            ),
            validation=validation,
            activation=self.activation,
            best_weights=(
                self._best_weights_so_far(validation, from_current_weights)
                if on_validation
                else None
            ),
            hooks=PassCallbacks(fit_task, self, X, labels),
            samples_before=self.t_,
            verbose=self.verbose,
        )  # fmt: skip
        fit_task.call_on_fit_task_end(
            estimator=self,
            X=X,
            y=labels,
            reconstruction_attributes=lambda: weights_as_attributes(outcome.params),
        )

        self.W1_, self.b1_, self.W2_, self.b2_ = outcome.params
        self._optimizer = optimizer
        if not is_numpy(X) and self._class_totals is not None:
            self._class_totals = from_numpy(self._class_totals, like=X)
        self.n_iter_ = outcome.n_passes
        self.t_ += outcome.samples_seen
        self._store_history(
            history, best_loss=None if on_validation else history.best_loss
        )
        self._warn_about(outcome, max_passes, partial)
        return self

    def _fit_lbfgs(self, X, targets, sample_weight, validation, history):
        """Minimise the loss over all the data with SciPy's L-BFGS-B."""
        outcome = _lbfgs.minimize(
            self._params(), X, targets, sample_weight,
            activation=self.activation, l2=self.l2, max_iter=self.max_iter,
            max_fun=self.max_fun, tol=self.tol, verbose=self.verbose,
            output=self.out_activation_,
        )  # fmt: skip
        self.W1_, self.b1_, self.W2_, self.b2_ = outcome.params
        self._optimizer = None
        if not is_numpy(X) and self._class_totals is not None:
            self._class_totals = from_numpy(self._class_totals, like=X)
        self.n_iter_ = outcome.n_iter
        history.loss_curve.extend(outcome.losses)
        if validation is not None:  # the final weights' scores
            history.record_validation(
                *validation.score_and_loss(self._params(), self.activation)
            )
        self._store_history(history, best_loss=None)
        self.loss_ = outcome.loss
        if outcome.interrupted:
            warnings.warn(
                f"{type(self).__name__}: training interrupted (KeyboardInterrupt) "
                f"after iteration {outcome.n_iter} of lbfgs; the model keeps its "
                "weights and can be used. Call fit again with warm_start=True to "
                "continue.",
                FitInterruptedWarning,
                stacklevel=5,
            )
        elif not outcome.converged:
            warnings.warn(
                f"{type(self).__name__}: lbfgs stopped after {outcome.n_iter} "
                f"iterations without converging ({outcome.message}). Increase "
                "max_iter (or max_fun), or scale the data.",
                ConvergenceWarning,
                stacklevel=5,
            )
        return self

    def _store_history(self, history, best_loss):
        """The fitted attributes that record the passes (or iterations)."""
        self.loss_curve_ = history.loss_curve
        self.loss_ = history.loss_curve[-1] if history.loss_curve else None
        self.best_loss_ = best_loss
        self.validation_scores_ = history.validation_scores
        self.validation_loss_curve_ = history.validation_losses
        self.best_validation_score_ = history.best_validation_score

    def _check_dropout_solver(self):
        if self.dropout > 0 and self.solver == "lbfgs":
            raise ValueError(
                f"dropout={self.dropout} needs a stochastic solver: solver='lbfgs' "
                "searches along a line of a loss that must be the same at every "
                "evaluation, and dropout draws a new mask each time. Use "
                "solver='adam' or solver='sgd' with dropout, or set dropout=0.0."
            )

    def _dropout_rng(self, rng):
        """The generator of this fit's dropout masks, seeded from ``rng``.

        Nothing is drawn from ``rng`` without dropout, so fits without it are
        unchanged.
        """
        if not self.dropout:
            return None
        return np.random.default_rng(rng.randint(np.iinfo(np.int32).max))

    def _start_afresh(self, n_features, dtype, rng, with_validation):
        """Draw the initial weights and empty the training record."""
        self.W1_, self.b1_, self.W2_, self.b2_ = _network.init_params(
            n_features, int(self.hidden_size), self._n_output_units(), self.activation,
            rng, dtype,
        )  # fmt: skip
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self.validation_scores_ = [] if with_validation else None
        self.validation_loss_curve_ = [] if with_validation else None
        self.best_validation_score_ = -np.inf if with_validation else None

    def _best_weights_so_far(self, validation, from_current_weights):
        """What a pass must beat to be kept by early stopping.

        A continued fit starts from weights that may be better than any of its
        passes: they compete too, scored on this fit's validation set.
        """
        if not from_current_weights:
            return _training.BestWeights()
        score, _ = validation.score_and_loss(self._params(), self.activation)
        return _training.BestWeights(
            score, tuple(copy_array(p) for p in self._params())
        )

    def _history(self, with_validation):
        """The model's record of its passes, for the training loop to extend."""
        history = _training.History(
            loss_curve=self.loss_curve_,
            best_loss=np.inf if self.best_loss_ is None else self.best_loss_,
            validation_scores=self.validation_scores_,
            validation_losses=self.validation_loss_curve_,
            best_validation_score=self.best_validation_score_,
        )
        if with_validation and history.validation_scores is None:
            # A model trained without a validation set gets one now.
            history.validation_scores, history.validation_losses = [], []
            history.best_validation_score = -np.inf
        return history

    def _optimizer_for(self, partial):
        """The update rule: partial_fit continues the previous one's state."""
        previous = getattr(self, "_optimizer", None)
        if self.solver == "sgd":
            settings = dict(
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
                schedule=self.learning_rate,
                power_t=self.power_t,
            )
            if partial and isinstance(previous, GradientDescent):
                if previous.initial_learning_rate != self.alpha:
                    previous.initial_learning_rate = self.alpha
                    previous.learning_rate = self.alpha
                vars(previous).update(settings)
                return previous
            return GradientDescent(self._params(), self.alpha, **settings)
        if partial and isinstance(previous, Adam):
            previous.learning_rate = self.alpha
            return previous
        return Adam(self._params(), self.alpha, self.beta_1, self.beta_2, self.epsilon)

    def _warn_about(self, outcome, max_passes, partial):
        """The fit's warnings: an interrupted or an unconverged training."""
        if outcome.stopped_by == "interrupt":
            kept = (
                "the best pass's weights (early stopping)"
                if outcome.kept_best
                else "the weights of the last completed step"
            )
            warnings.warn(
                f"{type(self).__name__}: training interrupted (KeyboardInterrupt) "
                f"{outcome.interrupted_at} ({outcome.n_passes} of {max_passes} "
                "passes complete); "
                f"the model keeps {kept} and can be used. Call fit again "
                "with warm_start=True, or partial_fit, to continue.",
                FitInterruptedWarning,
                stacklevel=6,
            )
        elif outcome.stopped_by == "max passes" and not partial:
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} passes reached "
                "and the training has not converged yet. Increase max_iter or "
                "alpha (the learning rate), or switch to solver='adam'.",
                ConvergenceWarning,
                stacklevel=6,
            )

    def _check_same_network(self, partial):
        """Refuse to continue training a network of another size than asked."""
        fitted = self.W1_.shape[0]
        if fitted != self.hidden_size:
            if partial:
                how, fresh = "partial_fit", "call fit with warm_start=False"
            else:
                how, fresh = "fit with warm_start=True", "set warm_start=False"
            raise ValueError(
                f"hidden_size={self.hidden_size}, but the fitted network has "
                f"{fitted} hidden units: {how} continues training the fitted "
                "network and "
                f"cannot change its size. Set hidden_size back to {fitted}, or "
                f"{fresh} to train a new network of {self.hidden_size} units."
            )

    def _training_data(self, X, y, sample_weight, from_current_weights, partial):
        """Validated X, the network's targets (``_targets.encode_labels``), the weights.

        Under array API dispatch X keeps its namespace and device; the targets
        and weights are NumPy arrays (labels are prepared in NumPy).
        """
        where = array_namespace(X)
        if where is None:
            dtypes = (np.float64, np.float32)
        else:
            dtypes = (where[0].float64, where[0].float32)
        X, y = validate_data(
            self,
            X,
            as_numpy(y),
            accept_sparse="csr" if where is None else False,
            dtype=self.W1_.dtype if from_current_weights else dtypes,
            reset=not from_current_weights,
            multi_output=True,
        )
        y = as_numpy(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if from_current_weights or partial:
            # partial_fit's first call: classes_ comes from `classes`.
            self._check_same_kind_of_targets(y, first=not from_current_weights)
        else:
            self._set_output_for(y)
        dtype = numpy_dtype(X)
        targets = encode_labels(y, self.classes_, dtype)
        if from_current_weights and not partial:
            check_every_class(targets, self.classes_)
        # Only X's length and dtype matter to the weights: a NumPy stand-in.
        shape_of_X = X if where is None else np.empty((X.shape[0], 0), dtype)
        sample_weight = self._training_weights(
            as_numpy(sample_weight), shape_of_X, targets, partial
        )
        return X, targets, sample_weight

    def _set_output_for(self, y):
        """Set ``classes_`` and the output layer for the targets y of a new fit."""
        multilabel = kind_of_targets(y, type(self).__name__) == "multilabel-indicator"
        self._multilabel = multilabel
        if multilabel:
            self.classes_ = np.arange(y.shape[1])
        else:
            self.classes_ = np.unique(y)
            check_two_classes(self.classes_, type(self).__name__)
        self.out_activation_ = output_activation(multilabel, len(self.classes_))

    def _check_same_kind_of_targets(self, y, first):
        """Continued training needs the kind of targets the network was built for.

        ``first`` marks partial_fit's first call, where ``classes`` gave
        ``classes_`` and the output layer is set here.
        """
        multilabel = kind_of_targets(y, type(self).__name__) == "multilabel-indicator"
        if first:
            if multilabel:
                check_indicator_width(y, self.classes_)
            self.out_activation_ = output_activation(multilabel, len(self.classes_))
            self._multilabel = multilabel
            return
        check_same_kind_of_targets(y, multilabel, self._is_multilabel(), self.classes_)

    def _training_weights(self, sample_weight, X, targets, partial):
        """The sample weights times the class weights; keeps the class totals.

        partial_fit's "balanced" weights follow the class totals of all the data
        passed to partial_fit so far; fit uses its own data's totals.
        """
        earlier = to_numpy(self.__dict__.get("_class_totals")) if partial else None
        sample_weight, self._class_totals = training_weights(
            sample_weight, X, targets, self.class_weight, self.classes_, earlier
        )
        return sample_weight

    def _validation_set(self, X_val, y_val, dtype, like=None):
        """The validation set given to fit; in the namespace of ``like`` if given."""
        if X_val is None or y_val is None:
            raise ValueError(
                "X_val and y_val must be given together; got only "
                f"{'X_val' if y_val is None else 'y_val'}."
            )
        if like is not None:  # everything follows X
            X_val = moved_like(X_val, like, "X_val")
            dtype = like.dtype
        try:
            X_val = validate_data(
                self, X_val, accept_sparse="csr", dtype=dtype, reset=False,
                ensure_all_finite=False,
            )  # fmt: skip
        except ValueError as exc:  # its message speaks of X
            raise ValueError(f"X_val: {exc}") from exc
        assert_all_finite(X_val, input_name="X_val", estimator_name=type(self).__name__)
        y_val = np.asarray(as_numpy(y_val))
        multilabel = self._is_multilabel()
        shape = (
            f"(n_val, {len(self.classes_)}), an indicator matrix as y"
            if multilabel
            else "(n_val,), one label per row of X_val"
        )
        if y_val.ndim != (2 if multilabel else 1) or (
            y_val.shape[0] != X_val.shape[0]
            or (multilabel and y_val.shape[1] != len(self.classes_))
        ):
            raise ValueError(
                f"y_val must have shape {shape}; got shape {y_val.shape} for "
                f"X_val of shape {X_val.shape}."
            )
        if multilabel:
            kind_of_targets(y_val, type(self).__name__, name="y_val")
        y_val = encode_labels(y_val, self.classes_, numpy_dtype(X_val), name="y_val")
        return _training.ValidationSet(X_val, y_val, output=self.out_activation_)

    def _split_validation(self, X, targets, sample_weight, rng):
        """Hold out ``validation_fraction`` of the data, stratified by class.

        Multilabel targets have no classes to stratify by: the samples are held
        out at random, as MLPClassifier does.
        """
        if targets.ndim == 2:
            X, X_val, targets, y_val, sample_weight, w_val = train_test_split(
                X, targets, sample_weight, test_size=self.validation_fraction,
                random_state=rng,
            )  # fmt: skip
            validation = _training.ValidationSet(X_val, y_val, w_val, "logistic")
            return X, targets, sample_weight, validation
        X, X_val, targets, y_val, sample_weight, w_val = stratified_hold_out(
            X,
            targets,
            sample_weight,
            fraction=self.validation_fraction,
            random_state=rng,
            remedy="Pass a validation set of your own as X_val, y_val, give more "
            "samples per class or a larger validation_fraction, or set "
            "early_stopping=False.",
            if_impossible="warn",
            stacklevel=7,  # the caller of fit
        )
        validation = _training.ValidationSet(X_val, y_val, w_val, self.out_activation_)
        return X, targets, sample_weight, validation

    def _validation_data(
        self, X, targets, sample_weight, X_val, y_val, rng, partial, like=None
    ):
        """The validation set: the one given, a held-out split, or None.

        With ``like`` (training data of another namespace than NumPy's), X holds
        row indices: a held-out split's validation set then has ``X=None`` and
        its rows in ``rows``, and a given one is moved to ``like``'s namespace.
        """
        if X_val is not None or y_val is not None:
            dtype = None if like is not None else X.dtype
            validation = self._validation_set(X_val, y_val, dtype, like)
            return X, targets, sample_weight, validation
        if self.early_stopping and not partial and self.solver != "lbfgs":
            X, targets, sample_weight, validation = self._split_validation(
                X, targets, sample_weight, rng
            )
            if like is not None:
                validation.rows, validation.X = validation.X, None
            return X, targets, sample_weight, validation
        return X, targets, sample_weight, None


def _warn_if_unscaled(X):
    """Warn when features are so large that the network cannot train well."""
    values = X.data if hasattr(X, "tocsr") else X  # a sparse matrix's stored values
    if math.prod(values.shape) == 0:
        return
    xp = namespace(values)
    largest = max(float(xp.max(values)), -float(xp.min(values)))
    if largest > _LARGE_FEATURE:
        warnings.warn(
            f"X has values up to {largest:g} in magnitude. The network trains "
            "well only on features of about unit scale: with raw pixels (0-255) "
            "the hidden units die and the model predicts one class. Scale X "
            "first: X / 255 for MNIST pixels, or StandardScaler / MinMaxScaler "
            "in a Pipeline.",
            UnscaledInputWarning,
            stacklevel=5,
        )


_PARAMETER_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(
        ScratchMLPClassifier.__init__
    ).parameters.items()
    if name != "self"
}


_TRAINING_STATE = ("_optimizer", "_partial_fit_rng", "_class_totals")
# Private parts of the fitted model, kept and restored with its attributes.
_PRIVATE_MODEL_STATE = ("_multilabel",)
_VERSION_STAMP = "_saved_with_versions"


def _library_versions():
    return {"sklearn-scratchnet": __version__, "scikit-learn": sklearn.__version__}


def _is_model_state(name):
    """Fitted attributes (``W1_``, ``classes_``...) and private training state."""
    return (name.endswith("_") and not name.startswith("__")) or (
        name in _TRAINING_STATE + _PRIVATE_MODEL_STATE
    )


def _read_only(array):
    if not is_numpy(array):
        return array
    view = array.view()
    view.flags.writeable = False
    return view
