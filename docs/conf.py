"""Sphinx configuration.

Sphinx with numpydoc, as scikit-learn: the docstrings are numpydoc, the API pages
are generated from them, ``literalinclude`` shows the code that runs next to the
note's equations, the ``doctest`` builder runs the examples on the pages, and
``-W`` turns every warning into an error. No extension needs the network.
"""

import contextlib
import io
import os
from pathlib import Path

import sklearn_scratchnet
from sklearn_scratchnet.cli import main

project = "sklearn-scratchnet"
author = "the sklearn-scratchnet developers"
copyright = "the sklearn-scratchnet developers, BSD-3-Clause"
version = release = sklearn_scratchnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]
exclude_patterns = ["_build", "_generated"]
nitpicky = False
templates_path = []

autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# Short trainings in the examples stop before convergence on purpose.
doctest_global_setup = """
import warnings
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
"""

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-scratchnet {version}"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []


def _write_cli_help():
    """What ``--help`` prints for every command, for the CLI page."""
    os.environ["COLUMNS"] = "88"
    folder = Path(__file__).parent / "_generated"
    folder.mkdir(exist_ok=True)
    for command in ["", "train", "evaluate", "predict", "info", "export"]:
        text = io.StringIO()
        with contextlib.redirect_stdout(text), contextlib.suppress(SystemExit):
            main([command, "--help"] if command else ["--help"])
        (folder / f"scratchnet_{command or 'help'}.txt").write_text(text.getvalue())


_write_cli_help()
