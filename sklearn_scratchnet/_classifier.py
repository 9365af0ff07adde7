"""ScratchMLPClassifier: the note's network as a scikit-learn classifier.

This module is scikit-learn glue only: the parameters and their validation,
the tags, the fitted attributes and the model's state, saved and restored. The
work is done in small modules beside it: ``_training_data`` (X validated, the
network's targets, the weights), ``_validation_set`` (given, or held out),
``_validation_scoring`` (the scorer ``scoring`` names), ``_targets`` (kinds of
targets, the output layer), ``_model_state`` (kept on failure, moved),
``_array_api`` (namespaces and devices) and ``_warnings`` (at the caller's line).

``fit`` reads straight down::

    fit / partial_fit    ScratchMLPClassifier._fit: validate, prepare, store
      _training.train    the loop: passes, stopping, validation, Ctrl-C
        _steps           one gradient step per mini-batch
          _network       the note's forward, loss and backward
          _optimizers    the note's update (and Adam), built by optimizer_for
      _lbfgs.minimize    or SciPy's L-BFGS-B on all the data at once
"""

import copy
import inspect
from numbers import Integral, Real

import numpy as np
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.metrics import accuracy_score
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_scratchnet import _lbfgs, _network, _steps, _training
from sklearn_scratchnet._array_api import (
    array_namespace,
    check_same_namespace,
    converted_arrays,
    moved_for_training,
)
from sklearn_scratchnet._callbacks import CallbackSupportMixin, PassCallbacks
from sklearn_scratchnet._model_state import (
    forget_training,
    kept_on_failure,
    model_state,
    move_model_to,
)
from sklearn_scratchnet._namespace import (
    from_numpy,
    is_numpy,
    namespace,
    numpy_dtype,
    to_numpy,
)
from sklearn_scratchnet._optimizers import optimizer_for
from sklearn_scratchnet._targets import check_two_classes, labels_of
from sklearn_scratchnet._training_data import check_can_fit, training_data
from sklearn_scratchnet._validation_scoring import scorer_for, validation_scoring
from sklearn_scratchnet._validation_set import split_validation
from sklearn_scratchnet._version import library_versions
from sklearn_scratchnet._warnings import warn, warn_about_training
from sklearn_scratchnet.exceptions import InconsistentVersionWarning


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
        Shuffle the samples before each pass when training in mini-batches:
        each pass reshuffles the previous pass's order, as MLPClassifier's.
        Full-batch steps do not depend on the order, so nothing is shuffled then.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation split.
        An int gives bitwise-identical results from one fit to the next.

    warm_start : bool, default=False
        If True, ``fit`` continues from the current weights instead of starting
        over; ``loss_curve_`` and ``n_iter_`` keep growing. The data must have
        the same classes, and ``hidden_size`` must be the fitted network's: a
        continued fit cannot resize the network, and raises a ValueError that
        says so (set ``warm_start=False`` to start afresh). A continued fit
        whose ``scoring`` differs from the previous fit's compares its
        validation scores afresh (see ``scoring``).

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
        "neg_log_loss" fails on a validation set that lacks a class. With
        ``warm_start``, changing ``scoring`` between fits starts the comparison
        afresh: scores of different scorings are on different scales, so
        ``best_validation_score_`` and early stopping then compare the new
        fit's scores only, while ``validation_scores_`` keeps the earlier ones.
        Beyond MLPClassifier.

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
        Best value in ``validation_scores_`` (with ``warm_start``, since the
        last change of ``scoring``); None without a validation set.

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
        with kept_on_failure(self):
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
        with kept_on_failure(self):
            if _check_partial_fit_first_call(self, to_numpy(classes)):
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
        predicted = to_numpy(self.predict(X))
        with config_context(array_api_dispatch=False):
            return float(
                accuracy_score(
                    to_numpy(y), predicted, sample_weight=to_numpy(sample_weight)
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
        return dict(state, **{_VERSION_STAMP: library_versions()})

    def __sklearn_array_api_convert__(self, converter):
        """A copy of the model with its arrays converted (scikit-learn's hook).

        scikit-learn's ``move_estimator_to(estimator, xp, device)`` calls it: the
        weights and the training state move; ``classes_`` stays a NumPy array.
        """
        new = clone(self)
        state = converted_arrays(model_state(self), converter)
        new.__dict__.update(copy.deepcopy(state))
        return new

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop(_VERSION_STAMP, None) or {}
        for library, current in library_versions().items():
            original = saved.get(library, "unknown (an older sklearn-scratchnet)")
            if original != current:
                warn(
                    InconsistentVersionWarning(
                        estimator_name=type(self).__name__,
                        library=library,
                        original_version=original,
                        current_version=current,
                    )
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

    def _is_binary(self):
        """Two classes on one logistic output unit (the second class's)."""
        return self.out_activation_ == "logistic" and not self._is_multilabel()

    def _is_multilabel(self):
        """Whether the model learns multilabel targets (an indicator matrix)."""
        return self.__dict__.get("_multilabel", False)

    def _n_output_units(self):
        """Output units for this fit's targets: 1 for two classes."""
        return 1 if self._is_binary() else len(self.classes_)

    def _fit(self, X, y, sample_weight, X_val, y_val, partial):
        """Validate the data, train, store what the training learned.

        ``partial`` marks a ``partial_fit`` call: one pass that continues the
        optimizer state, the shuffling stream and the class totals of the calls
        before it.
        """
        # Under array API dispatch, X of a namespace other than NumPy's (PyTorch,
        # CuPy, array-api-strict) is trained on in its namespace, on its device:
        # the weights live there. Labels and weights are prepared in NumPy and
        # moved there for training.
        where = array_namespace(X)
        continued = hasattr(self, "W1_") and (partial or self.warm_start)
        check_can_fit(self, continued, partial)
        scorer = scorer_for(self, self.scoring)
        if continued:
            if where is not None or not is_numpy(self.W1_):
                move_model_to(self, where)
        elif not partial:
            forget_training(self)
        X, targets, sample_weight = training_data(
            self, X, y, sample_weight, continued, partial
        )
        rng = check_random_state(self.random_state)
        if partial:
            rng = self.__dict__.setdefault("_partial_fit_rng", rng)
        X, targets, sample_weight, validation = split_validation(
            self, X, targets, sample_weight, X_val, y_val, rng, partial
        )
        if validation is not None:
            validation.scoring = validation_scoring(self, validation, scorer)
        if not continued:
            self._start_afresh(X.shape[1], numpy_dtype(X), rng)
        if where is not None:
            move_model_to(self, where)
            self._class_totals = from_numpy(self._class_totals, like=X)
            targets, sample_weight = moved_for_training(
                X, targets, sample_weight, validation
            )
        history = _training.History.of_model(
            vars(self), validation is not None, self.scoring
        )
        settings = self._loop_settings(X.shape[0], rng, validation, partial, continued)
        if self.solver == "lbfgs":
            self._optimizer = None
            outcome = _lbfgs.minimize(
                self._params(), X, targets, sample_weight, settings, history,
                l2=self.l2, max_fun=self.max_fun, output=self.out_activation_,
                validation=validation,
            )  # fmt: skip
        else:
            outcome = self._train_in_passes(
                X, targets, sample_weight, settings, history, validation, rng, partial
            )
        self._keep(outcome, history, settings)
        warn_about_training(self, outcome, partial)
        return self

    def _loop_settings(self, n_samples, rng, validation, partial, continued):
        """The training loop's settings (L-BFGS reads those it needs)."""
        shuffling = None
        if self.shuffle:
            # partial_fit's passes continue the previous call's order, as fit's do.
            order = self.__dict__.get("_partial_fit_order") if partial else None
            shuffling = _training.Shuffling(rng, order)
        on_validation = self.early_stopping and validation is not None and not partial
        return _training.Settings(
            max_passes=1 if partial else self.max_iter,
            batch_size=min(self.batch_size or n_samples, n_samples),
            shuffling=shuffling,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            early_stopping=on_validation,
            starting_weights_compete=continued,
            activation=self.activation,
            samples_before=self.t_,
            verbose=self.verbose,
        )

    def _train_in_passes(
        self, X, targets, sample_weight, settings, history, validation, rng, partial
    ):  # fmt: skip
        """Train with the training loop: passes of mini-batch steps."""
        optimizer = optimizer_for(
            self._params(),
            self.get_params(deep=False),
            previous=self.__dict__.get("_optimizer") if partial else None,
        )
        steps = _steps.GradientSteps(
            self._params(), optimizer, self.activation, self.l2,
            self.out_activation_, self.dropout, self._dropout_rng(rng),
        )  # fmt: skip

        def labels():
            return labels_of(to_numpy(targets), self.classes_)

        callbacks = PassCallbacks(self, X, labels, settings.max_passes)
        callbacks.fit_begun()
        outcome = _training.train(
            steps, X, targets, sample_weight, settings, history, validation,
            hooks=callbacks,
        )  # fmt: skip
        callbacks.fit_ended(outcome.params)
        self._optimizer = optimizer
        if partial and settings.shuffling is not None:
            self._partial_fit_order = settings.shuffling.order
        return outcome

    def _keep(self, outcome, history, settings):
        """Store what a training learned: weights, counters, the history."""
        self.W1_, self.b1_, self.W2_, self.b2_ = outcome.params
        self.n_iter_ = outcome.n_passes
        self.t_ += outcome.samples_seen
        # As MLPClassifier: no best loss when early stopping decides, or lbfgs.
        best_loss_known = self.solver != "lbfgs" and not settings.early_stopping
        vars(self).update(history.attributes(best_loss_known))
        if outcome.loss is not None:  # the final weights' (lbfgs)
            self.loss_ = outcome.loss

    def _dropout_rng(self, rng):
        """The generator of this fit's dropout masks, seeded from ``rng``.

        Nothing is drawn from ``rng`` without dropout, so fits without it are
        unchanged.
        """
        if not self.dropout:
            return None
        return np.random.default_rng(rng.randint(np.iinfo(np.int32).max))

    def _start_afresh(self, n_features, dtype, rng):
        """Draw the initial weights and empty the training record."""
        self.W1_, self.b1_, self.W2_, self.b2_ = _network.init_params(
            n_features, int(self.hidden_size), self._n_output_units(), self.activation,
            rng, dtype,
        )  # fmt: skip
        self.n_iter_ = 0
        self.t_ = 0
        vars(self).update(_training.History().attributes())


_PARAMETER_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(
        ScratchMLPClassifier.__init__
    ).parameters.items()
    if name != "self"
}


_VERSION_STAMP = "_saved_with_versions"


def _read_only(array):
    if not is_numpy(array):
        return array
    view = array.view()
    view.flags.writeable = False
    return view
