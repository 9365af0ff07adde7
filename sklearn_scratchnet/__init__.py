"""sklearn-scratchnet: a two-layer neural network written by hand in NumPy.

The network of the origin note (784 inputs -> hidden ReLU layer -> softmax over
10 classes, trained by backpropagation and gradient descent), wrapped as a
first-class scikit-learn classifier.
"""

from sklearn_scratchnet._classifier import ScratchMLPClassifier
from sklearn_scratchnet._version import __version__

__all__ = ["ScratchMLPClassifier", "__version__"]
