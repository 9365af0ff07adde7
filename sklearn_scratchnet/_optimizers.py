"""Update rules: the note's gradient descent (with optional momentum) and Adam.

Each optimizer is a small object with one method, ``update(params, grads)``, that
changes the parameter arrays in place (so their dtype, float32 or float64, never
changes) and keeps whatever state it needs between calls, which is what lets
``partial_fit`` continue where the previous call stopped.
"""

import math

import numpy as np


class GradientDescent:
    """The note's update ``W -= alpha dW``, with optional classical momentum.

    With ``momentum = mu > 0`` each parameter moves by a velocity
    ``v <- mu v - alpha dW;  W <- W + v``; with ``mu = 0`` this is exactly the
    note's rule.

    Parameters
    ----------
    params : sequence of ndarray
        The arrays that will be updated (used for the shapes of the velocities).
    learning_rate : float
        The note's alpha.
    momentum : float, default=0.0
        Momentum coefficient mu in [0, 1).
    """

    def __init__(self, params, learning_rate, momentum=0.0):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocities = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        """Apply one step to ``params`` in place."""
        for param, grad, velocity in zip(params, grads, self.velocities, strict=True):
            if self.momentum:
                velocity *= self.momentum
                velocity -= self.learning_rate * grad
                param += velocity
            else:
                param -= self.learning_rate * grad  # W = W - alpha dW


class Adam:
    """Adam (Kingma & Ba, 2015) with bias-corrected moment estimates.

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
        self.first_moments = [np.zeros_like(p) for p in params]
        self.second_moments = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        """Apply one step to ``params`` in place."""
        self.t += 1
        step = (
            self.learning_rate
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        for param, grad, m, v in zip(
            params, grads, self.first_moments, self.second_moments, strict=True
        ):
            # m <- beta_1 m + (1 - beta_1) g;  v <- beta_2 v + (1 - beta_2) g^2;
            # W <- W - step m / (sqrt(v) + epsilon). Written with one scratch array
            # and in-place operations: for large layers the step is memory-bound.
            scratch = np.multiply(grad, 1 - self.beta_1)
            m *= self.beta_1
            m += scratch
            np.multiply(grad, grad, out=scratch)
            scratch *= 1 - self.beta_2
            v *= self.beta_2
            v += scratch
            np.sqrt(v, out=scratch)
            scratch += self.epsilon
            np.divide(m, scratch, out=scratch)
            scratch *= step
            param -= scratch


OPTIMIZERS = {"sgd": GradientDescent, "adam": Adam}
