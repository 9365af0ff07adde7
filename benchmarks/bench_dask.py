"""Wall time of a grid search: n_jobs=1 against a Dask cluster on this machine.

Runs the grid search of the "Scaling and deployment" page (10,000 MNIST digits,
3 x 3 grid over alpha x hidden_size, 3 folds, Adam, 10 passes) locally with
n_jobs=1, with NumPy's default BLAS threads and with one, and on a
``LocalCluster`` on 127.0.0.1 (one worker process per core, one thread each),
with the recommended worker settings and with distributed's default
``MALLOC_TRIM_THRESHOLD_``. Each search is timed three times, the variants in
turn, and the medians are printed as a Markdown table with their ratio to the
local run.

Usage::

    python -m pip install -e ".[dask]"
    python benchmarks/bench_dask.py             # data: --data, $SCRATCHNET_DATA
    python benchmarks/bench_dask.py --quick     # 3,000 digits, 2 x 2 grid, 5 passes
"""

import argparse
import os
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from statistics import median

import dask
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import load_idx_folder

BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
FULL = dict(
    n_samples=10_000,
    grid={"alpha": [0.001, 0.003, 0.01], "hidden_size": [32, 64, 128]},
    passes=10,
)
QUICK = dict(
    n_samples=3_000, grid={"alpha": [0.003, 0.03], "hidden_size": [16, 32]}, passes=5
)


def search(setup, n_jobs):
    return GridSearchCV(
        ScratchMLPClassifier(
            solver="adam", batch_size=100, max_iter=setup["passes"], random_state=0
        ),
        setup["grid"],
        cv=3,
        n_jobs=n_jobs,
    )


@contextmanager
def cluster_client(n_workers, recommended):
    """A LocalCluster on loopback; ``recommended`` applies the documented settings.

    The recommended settings give each worker cores // workers BLAS threads and
    no ``MALLOC_TRIM_THRESHOLD_``; without them a worker gets distributed's
    defaults (one BLAS thread, ``MALLOC_TRIM_THRESHOLD_=65536``).
    """
    saved = dict(os.environ)
    config = {}
    if recommended:
        for name in (*BLAS_VARIABLES, "MALLOC_TRIM_THRESHOLD_"):
            os.environ.pop(name, None)  # an inherited value would win
        blas_threads = max(1, joblib.cpu_count() // n_workers)
        config = {
            f"distributed.nanny.pre-spawn-environ.{name}": blas_threads
            for name in BLAS_VARIABLES
        }
        config["distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"] = None
    try:
        with (
            dask.config.set(config),
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                worker_dashboard_address="127.0.0.1:0",
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(warnings.filterwarnings, "ignore", category=ConvergenceWarning)
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def timed(fit):
    start = time.perf_counter()
    fit()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder with the four MNIST IDX files")
    parser.add_argument("--quick", action="store_true", help="reduced run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(
        args.data
        or os.environ.get("SCRATCHNET_DATA")
        or Path(__file__).resolve().parents[2] / "shared" / "mnist"
    )
    setup = QUICK if args.quick else FULL
    X_train, _, y_train, _ = load_idx_folder(folder)
    X = X_train[: setup["n_samples"]].astype(np.float32) / np.float32(255)
    y = y_train[: setup["n_samples"]]
    n_workers = joblib.cpu_count()
    warnings.simplefilter("ignore", ConvergenceWarning)

    def local(blas_threads):
        def fit():
            with threadpool_limits(limits=blas_threads, user_api="blas"):
                search(setup, n_jobs=1).fit(X, y)

        return fit

    def on_cluster():
        with joblib.parallel_config(backend="dask"):
            search(setup, n_jobs=-1).fit(X, y)

    times = {name: [] for name in ("local", "local1", "cluster", "cluster_trim")}
    for repeat in range(args.repeats):
        times["local"].append(timed(local(None)))
        times["local1"].append(timed(local(1)))
        for name, recommended in (("cluster", True), ("cluster_trim", False)):
            with cluster_client(n_workers, recommended):
                on_cluster()  # the first search also ships the data: warm up
                times[name].append(timed(on_cluster))
        print(f"repeat {repeat + 1}: " + ", ".join(
            f"{name} {values[-1]:.2f} s" for name, values in times.items()
        ), file=sys.stderr, flush=True)  # fmt: skip

    reference = median(times["local"])
    grid = " x ".join(str(len(values)) for values in setup["grid"].values())
    print(
        f"# Grid search wall time ({setup['n_samples']:,} digits, {grid} grid, "
        f"3 folds, Adam, {setup['passes']} passes)\n\n"
        f"{joblib.cpu_count()} CPUs, a LocalCluster of {n_workers} workers x 1 "
        f"thread; median of {args.repeats}, the cluster already started.\n"
    )
    rows = [
        ("n_jobs=1, NumPy's default BLAS threads", "local"),
        ("n_jobs=1, one BLAS thread", "local1"),
        ("LocalCluster, recommended worker settings", "cluster"),
        ("LocalCluster, distributed's default MALLOC_TRIM_THRESHOLD_", "cluster_trim"),
    ]
    print("| run | seconds | x n_jobs=1 |\n|---|---|---|")
    for label, name in rows:
        seconds = median(times[name])
        print(f"| {label} | {seconds:.2f} | {seconds / reference:.2f} |")


if __name__ == "__main__":
    main()
