"""Update rules: the note's gradient descent (with momentum, schedules) and Adam.

:func:`optimizer_for` builds the rule an estimator's parameters name, or
continues the previous ``partial_fit`` call's.

Each optimizer is a small object whose method ``update(params, grads)`` changes
the parameter arrays in place (so their dtype, float32 or float64, never changes)
and keeps whatever state it needs between calls, which is what lets
``partial_fit`` continue where the previous call stopped.

``update`` is ``start_step()`` followed by ``update_part(i, params[i], grads[i])``
for every parameter.

On NumPy arrays the updates use NumPy's ``out=`` arguments and scratch arrays;
on arrays of other namespaces (PyTorch, CuPy, array-api-strict) the same rules
are written with the array API's operators, still in place, so that the
parameter arrays the training holds stay the ones updated.
"""

import math

import numpy as np

from sklearn_scratchnet._namespace import namespace, zeros_like


class _UpdateRule:
    """What every update rule shares: a step is a start, then each parameter."""

    def update(self, params, grads):
        """Apply one step to ``params`` in place."""
        self.start_step()
        for index, (param, grad) in enumerate(zip(params, grads, strict=True)):
            self.update_part(index, param, grad)

    def start_step(self):
        """Begin a step."""

    def update_part(self, index, param, grad):
        """Update ``param``, the parameter number ``index``, in place."""
        raise NotImplementedError

    def pass_ended(self, samples_seen):
        """Called after each pass over the data, with the samples seen so far."""

    def stalled(self):
        """No progress for ``n_iter_no_change`` passes: True means stop."""
        return True


class GradientDescent(_UpdateRule):
    """The note's update ``W -= alpha dW``, with momentum and schedules.

    With ``momentum = mu > 0`` each parameter moves by a velocity
    ``v <- mu v - alpha dW;  W <- W + v``, or with Nesterov's momentum by
    ``W <- W + mu v - alpha dW`` (the new v); with ``mu = 0`` this is exactly
    the note's rule. The step size alpha follows MLPClassifier's schedules:
    "constant"; "invscaling", ``alpha_t = alpha / (t + 1) ** power_t`` after
    each pass, t the samples seen; "adaptive", alpha divided by 5 each time
    training stalls, until it falls below 1e-6.

    Parameters
    ----------
    params : sequence of ndarray
        The arrays that will be updated (used for the shapes of the velocities).
    learning_rate : float
        The note's alpha (the initial one, with a schedule).
    momentum : float, default=0.0
        Momentum coefficient mu in [0, 1].
    nesterov : bool, default=False
        Use Nesterov's momentum.
    schedule : {"constant", "invscaling", "adaptive"}, default="constant"
        How the step size changes during training.
    power_t : float, default=0.5
        The exponent of "invscaling".
    """

    # Optimizers saved by versions up to 0.3 have none of these attributes.
    nesterov = False
    schedule = "constant"
    power_t = 0.5

    def __init__(
        self, params, learning_rate, momentum=0.0, nesterov=False,
        schedule="constant", power_t=0.5,
    ):  # fmt: skip
        self.initial_learning_rate = None
        self.continued(learning_rate, momentum, nesterov, schedule, power_t)
        self.velocities = [zeros_like(p) for p in params]

    def __setstate__(self, state):
        state.setdefault("initial_learning_rate", state["learning_rate"])
        self.__dict__.update(state)

    def continued(self, learning_rate, momentum, nesterov, schedule, power_t):
        """This rule, its velocities kept, with new settings (``partial_fit``).

        A new initial learning rate restarts the step size from it; the same
        one keeps the step size its schedule has reached.
        """
        if learning_rate != self.initial_learning_rate:
            self.initial_learning_rate = learning_rate
            self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.power_t = power_t
        return self

    def update_part(self, index, param, grad):
        """Update ``param``, the parameter number ``index``, in place."""
        velocity = self.velocities[index]
        if self.momentum:
            velocity *= self.momentum
            velocity -= self.learning_rate * grad
            if self.nesterov:
                param += self.momentum * velocity - self.learning_rate * grad
            else:
                param += velocity
        else:
            param -= self.learning_rate * grad  # W = W - alpha dW

    def pass_ended(self, samples_seen):
        """Follow the "invscaling" schedule."""
        if self.schedule == "invscaling":
            initial = float(self.initial_learning_rate)
            self.learning_rate = initial / (samples_seen + 1) ** self.power_t

    def stalled(self):
        """Stop, or with the "adaptive" schedule divide the step size by 5."""
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


class Adam(_UpdateRule):
    r"""Adam (Kingma & Ba, 2015) with bias-corrected moment estimates.

    The same update as scikit-learn's MLPClassifier(solver="adam"):

    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \qquad
        W \leftarrow W - \alpha \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
            \frac{m}{\sqrt{v} + \epsilon}

    The moments are kept as exponentially weighted sums,
    ``M = sum_i beta_1^(t-i) g_i = m / (1 - beta_1)`` and ``V = v / (1 - beta_2)``
    (see ``_step_size``), which takes two passes fewer over each weight array per
    step than updating the averages themselves.

    Parameters
    ----------
    params : sequence of ndarray
        The arrays that will be updated (used for the shapes of the moments).
    learning_rate : float
        Step size (the note's alpha).
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Keeps the division finite where the second moment is zero.
    """

    def __init__(self, params, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first_moment_sums = [zeros_like(p) for p in params]
        self.second_moment_sums = [zeros_like(p) for p in params]

    def continued(self, learning_rate):
        """This rule, its moments and step count kept, with a new learning rate.

        The decay rates stay those the moments were accumulated with.
        """
        self.learning_rate = learning_rate
        return self

    def start_step(self):
        """Count a new step ``t``."""
        self.t += 1

    def _step_size(self):
        """Step t's scalar factor and the folded epsilon'.

        With ``m = (1 - beta_1) M`` and ``v = (1 - beta_2) V`` the step
        ``step_t m / (sqrt(v) + epsilon)`` equals
        ``step_t (1 - beta_1) / sqrt(1 - beta_2) * M / (sqrt(V) + epsilon')``,
        with ``epsilon' = epsilon / sqrt(1 - beta_2)``: the sums take one pass
        each fewer to update than the averages, and the constant factors are folded
        into the scalar step.
        """
        root = math.sqrt(1 - self.beta_2)
        step = (
            self.learning_rate
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
            * (1 - self.beta_1)
            / root
        )
        return step, self.epsilon / root

    def update_part(self, index, param, grad):
        """Update ``param``, the parameter number ``index``, in place."""
        step, epsilon = self._step_size()
        M = self.first_moment_sums[index]
        V = self.second_moment_sums[index]
        xp = namespace(param)
        # M <- beta_1 M + g;  V <- beta_2 V + g^2;
        # W <- W - step M / (sqrt(V) + epsilon'), in place.
        M *= self.beta_1
        M += grad
        scratch = grad * grad
        V *= self.beta_2
        V += scratch
        if xp is not np:  # the array API's operators
            param -= step * (M / (xp.sqrt(V) + epsilon))
            return
        # NumPy: with one scratch array, for large layers the update is
        # memory-bound.
        np.sqrt(V, out=scratch)
        scratch += epsilon
        np.divide(M, scratch, out=scratch)
        scratch *= step
        param -= scratch

    def __setstate__(self, state):
        # Models saved by version 0.2 and earlier kept the averages m and v.
        if "first_moments" in state:
            m, v = state.pop("first_moments"), state.pop("second_moments")
            state["first_moment_sums"] = [a / (1 - state["beta_1"]) for a in m]
            state["second_moment_sums"] = [a / (1 - state["beta_2"]) for a in v]
        self.__dict__.update(state)


def optimizer_for(params, parameters, previous=None):
    """The update rule that an estimator's parameters name, for ``params``.

    ``parameters`` are the estimator's (``get_params()``): ``solver`` ("sgd"
    or "adam"), ``alpha`` (the learning rate) and the rule's own, under
    MLPClassifier's names. ``previous``, the rule of the previous
    ``partial_fit`` call, is continued (its state kept) when it is the
    solver's rule.
    """
    alpha = parameters["alpha"]
    if parameters["solver"] == "sgd":
        settings = dict(
            momentum=parameters["momentum"],
            nesterov=parameters["nesterovs_momentum"],
            schedule=parameters["learning_rate"],
            power_t=parameters["power_t"],
        )
        if isinstance(previous, GradientDescent):
            return previous.continued(alpha, **settings)
        return GradientDescent(params, alpha, **settings)
    if isinstance(previous, Adam):
        return previous.continued(alpha)
    return Adam(
        params, alpha, parameters["beta_1"], parameters["beta_2"], parameters["epsilon"]
    )
