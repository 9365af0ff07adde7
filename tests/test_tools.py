"""The maintainers' tools in tools/ still run against the library they measure."""

import importlib.util
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digits(n_samples=1200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, 784), dtype=np.float32)
    return X, rng.integers(0, 10, n_samples).astype(np.intp)


def test_step_parts_times_the_parts_of_the_library_step(capsys):
    """Its parts are checked to give loss_and_gradients' numbers bit for bit
    before they are timed: a change to the step that the tool does not follow
    fails here."""
    X, y = _digits()
    _tool("step_parts").plain_steps(X, y, hidden=16, batch=50, n_steps=30)
    out = capsys.readouterr().out
    assert "h=16, Adam, batch 50, float32: 30 steps" in out
    for part in ("gathering the batch's rows", "products with X", "Adam's update"):
        assert part in out
