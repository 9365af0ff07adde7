"""Dask: a grid search on a real ``distributed`` cluster, BLAS threads in its
workers, and out-of-core training with dask-ml's ``Incremental``, on real MNIST.

One ``LocalCluster`` (two worker processes, one thread each) serves the whole
module. It listens on 127.0.0.1 only, and nothing here reaches beyond loopback.
"""

import ipaddress
import os
import re
import socket
import warnings
from contextlib import contextmanager

import dask
import dask.array as da
import joblib
import numpy as np
import pytest
import zarr
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster, get_task_stream
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_scratchnet import ScratchMLPClassifier

N_WORKERS = 2
CORES = joblib.cpu_count()
# The variables that size the BLAS and OpenMP thread pools when a process starts.
BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Loopback only (this replaces conftest's fixture of the same name).

    The client, the scheduler and the workers talk over TCP on 127.0.0.1;
    resolving or connecting to any other address fails.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def is_loopback(host):
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def getaddrinfo(host, *args, **kwargs):
        if not is_loopback(host):
            raise OSError(f"the tests may reach only 127.0.0.1 (tried {host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(
            address[0]
        ):
            raise OSError(f"the tests may reach only 127.0.0.1 (tried {address})")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)


@contextmanager
def environment_without(names):
    """Remove variables from the environment; restore the whole of it on exit.

    Parameters
    ----------
    names : iterable of str
        The variables to remove while the context is open.

    Yields
    ------
    None
        On exit the environment is as before, which also undoes what the nanny
        copies from ``distributed.nanny.pre-spawn-environ`` into this process's
        environment before it spawns a worker.
    """
    saved = dict(os.environ)
    for name in names:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def client():
    """A client of a LocalCluster on loopback: 2 worker processes, 1 thread each.

    The workers' environment comes from ``distributed.nanny.pre-spawn-environ``:
    cores // workers BLAS threads each (distributed's default is 1), and no
    ``MALLOC_TRIM_THRESHOLD_`` (distributed's default of 65536 makes glibc map
    and unmap every mini-batch's arrays, which slows the fits 1.7 times). A
    variable already in this process's environment would win over the setting
    (``OPENBLAS_NUM_THREADS=8`` from the shell, say), so those are removed first.
    """
    blas_threads = max(1, CORES // N_WORKERS)
    config = {
        f"distributed.nanny.pre-spawn-environ.{name}": blas_threads
        for name in BLAS_VARIABLES
    }
    config["distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"] = None
    with (
        environment_without([*BLAS_VARIABLES, "MALLOC_TRIM_THRESHOLD_"]),
        dask.config.set(config),
        LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            worker_dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        # Short searches stop before they converge; that is not what is tested.
        client.run(warnings.filterwarnings, "ignore", category=ConvergenceWarning)
        yield client


def test_blas_threads_in_the_workers_fit_the_cores(client):
    """Worker processes x threads per worker x BLAS threads <= cores."""
    environments = client.run(os.environ.copy)
    assert all("MALLOC_TRIM_THRESHOLD_" not in env for env in environments.values())
    pools = client.run(threadpool_info)
    threads = client.nthreads()
    assert len(pools) == N_WORKERS
    assert os.getpid() not in client.run(os.getpid).values()
    total = 0
    for address, worker_pools in pools.items():
        sizes = [p["num_threads"] for p in worker_pools if p["user_api"] == "blas"]
        assert sizes, f"no BLAS library loaded in worker {address}"
        assert max(sizes) == max(1, CORES // N_WORKERS)  # the cap took effect
        # A task uses one pool at a time (NumPy's BLAS, or OpenMP in scikit-learn).
        per_task = max(p["num_threads"] for p in worker_pools)
        total += threads[address] * per_task
    assert total <= CORES


GRID = {"alpha": [0.003, 0.03], "hidden_size": [16, 32]}
N_SPLITS = 3


def grid_search(n_jobs):
    """The search of the test: 2 x 2 candidates, 3 folds, 5 Adam passes each.

    Parameters
    ----------
    n_jobs : int
        GridSearchCV's ``n_jobs``.

    Returns
    -------
    search : GridSearchCV
        Unfitted; scores on the training folds too.
    """
    return GridSearchCV(
        ScratchMLPClassifier(solver="adam", batch_size=100, max_iter=5, random_state=0),
        GRID,
        cv=N_SPLITS,
        n_jobs=n_jobs,
        return_train_score=True,
    )


@pytest.mark.mnist
def test_grid_search_on_the_cluster_equals_the_local_run(client, mnist_subset):
    """Every score of ``cv_results_`` is bitwise the same as with n_jobs=1.

    The network is deterministic for an int random_state, but OpenBLAS splits a
    float32 matrix product differently for different thread counts, which
    changes the last bits and, a few passes later, a prediction or two. The
    workers run one BLAS thread, so the local run does too; then the scores
    are equal exactly, not merely close.
    """
    X, _, y, _ = mnist_subset
    with (
        threadpool_limits(limits=1, user_api="blas"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = grid_search(n_jobs=1).fit(X, y)

    with (
        get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", ConvergenceWarning)  # the refit runs here
        on_cluster = grid_search(n_jobs=-1).fit(X, y)

    expected, results = local.cv_results_, on_cluster.cv_results_
    assert results.keys() == expected.keys()
    assert results["params"] == expected["params"]
    scores = [k for k in expected if k != "params" and not k.endswith("_time")]
    assert "split2_test_score" in scores and "mean_train_score" in scores
    for key in scores:
        np.testing.assert_array_equal(results[key], expected[key], err_msg=key)
    assert on_cluster.best_params_ == local.best_params_

    # The scheduler's record of the tasks that ran: joblib's batches of
    # _fit_and_score ("batch_of__fit_and_score_1_calls-...", or
    # "mixed_batch_of..._2_calls-..." when joblib groups quick calls), each on
    # one of the cluster's worker processes.
    workers = set(client.scheduler_info()["workers"])
    fits_per_worker = dict.fromkeys(workers, 0)
    for task in stream.data:
        batch = re.search(r"batch_of__fit_and_score_(\d+)_calls", str(task["key"]))
        if batch:
            assert task["worker"] in workers
            fits_per_worker[task["worker"]] += int(batch.group(1))
    assert sum(fits_per_worker.values()) == len(ParameterGrid(GRID)) * N_SPLITS
    assert all(fits_per_worker.values()), f"a worker sat idle: {fits_per_worker}"


@pytest.mark.mnist
def test_incremental_trains_on_the_blocks_of_a_dask_array(client, mnist, tmp_path):
    """dask-ml's Incremental: one partial_fit per block of a zarr-backed array.

    The training digits are stored as a zarr array in chunks of 10,000 rows;
    the workers read the blocks themselves. Three passes over the 6 blocks
    with 100 hidden units and Adam reach more than 95 % test accuracy.
    """
    X_train, X_test, y_train, y_test = mnist
    store = zarr.open_array(
        tmp_path / "X.zarr", mode="w", shape=X_train.shape, chunks=(10_000, 784),
        dtype=X_train.dtype,
    )  # fmt: skip
    store[:] = X_train
    X = da.from_zarr(str(tmp_path / "X.zarr"))
    y = da.from_array(y_train, chunks=10_000)
    assert X.numblocks == (6, 1)

    model = Incremental(
        ScratchMLPClassifier(
            hidden_size=100, solver="adam", alpha=2e-3, batch_size=100,
            random_state=0,
        ),
        random_state=0,
    )  # fmt: skip
    with get_task_stream(client) as stream:
        for _ in range(3):
            model.partial_fit(X, y, classes=np.arange(10))

    network = model.estimator_
    assert len(network.loss_curve_) == 3 * X.numblocks[0]  # one pass per block
    assert network.t_ == 3 * len(X_train)
    # dask-ml's graph: key ("fit-...", i) is partial_fit on the i-th block, run
    # by a worker; ("fit-...", -1) only holds the model it starts from.
    partial_fits = [
        task["key"]
        for task in stream.data
        if isinstance(task["key"], tuple)
        and str(task["key"][0]).startswith("fit-")
        and task["key"][1] >= 0
    ]
    assert len(partial_fits) == 3 * X.numblocks[0]
    assert model.score(X_test, y_test) >= 0.95
