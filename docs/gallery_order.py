"""The order of the examples in the gallery, for sphinx-gallery.

A module of its own, named in ``conf.py`` by a string, so that Sphinx can cache
the configuration (a class defined in ``conf.py`` cannot be pickled).
"""

ORDER = [
    "train_mnist.py",
    "plotting.py",
    "grid_search.py",
    "dropout.py",
    "pipeline_cross_val.py",
    "save_load.py",
    "out_of_core_dask.py",
]


class ExampleOrder:
    """Sort key: the first steps first, the large data set last, others after."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return (ORDER.index(filename), filename)
        return (len(ORDER), filename)

    def __repr__(self):
        return f"{type(self).__name__}()"
