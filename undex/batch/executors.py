"""Executors: where partition tasks run. In this process (:class:`SerialExecutor`), in
``--jobs`` fresh worker processes (:class:`ProcessExecutor`), or on the workers of a Dask
cluster (:class:`DaskExecutor`, ``--dask local`` or ``--dask tcp://scheduler:8786``).

All three take the same task (a function of one :class:`~undex.batch.partitions.Partition`)
and yield its results as partitions finish, so a run's outputs and restarts are the same
whichever runs it. On Dask, workers read their partitions themselves and load the project's
model once per worker process, so the projects file, the data directory and the corpus must
be readable at the same absolute paths on every worker.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from importlib.util import find_spec
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, Protocol

from undex.batch.partitions import Partition
from undex.errors import InputError, UndexError
from undex.progress import Progress

if TYPE_CHECKING:
    from dask.distributed import Client

DASK_HELP = "Run on Dask: 'local' (a LocalCluster; 'local:N' for N workers) or a scheduler address tcp://host:8786."

PartitionTask = Callable[..., Any]


class Executor(Protocol):
    workers: int

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        """Run ``task`` on every partition, yielding results as they finish and advancing
        ``progress`` by the documents done."""
        ...


class SerialExecutor:
    """In this process; progress advances per batch."""

    workers = 1

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        for part in parts:
            yield task(part, on_batch=progress.advance)


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """Worker initializer: end this process when its parent dies (even by ``kill -9``),
    instead of lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="undex-parent-watch", daemon=True).start()


class ProcessExecutor:
    """``jobs`` worker processes (started fresh, each loading the model once); at most two
    partitions per worker are in flight, so memory does not grow with the corpus."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        todo = iter(parts)
        context = get_context("spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
        ) as pool:
            running: set[Future] = set()
            while True:
                while len(running) < 2 * self.workers and (part := next(todo, None)) is not None:
                    running.add(pool.submit(task, part))
                if not running:
                    return
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()
                    progress.advance(result.documents)
                    yield result


# -------------------------------------------------------------------------- Dask


class DaskError(UndexError):
    """The Dask scheduler cannot be reached or the address is invalid."""


def _local_workers(address: str, workers: int | None) -> int:
    _, _, count = address.partition(":")
    if count:
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"--dask {address!r}: the number of local workers must be a positive integer")
        return int(count)
    return workers or os.cpu_count() or 1


@contextmanager
def dask_client(address: str, workers: int | None = None) -> Iterator[Client]:
    """A client of a new LocalCluster (``local``, ``local:N``) or of a running scheduler.

    Prints the dashboard link to stderr.
    """
    from dask.distributed import Client, LocalCluster

    cluster = None
    if address == "local" or address.startswith("local:"):
        cluster = LocalCluster(
            n_workers=_local_workers(address, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    elif "://" in address:
        try:
            client = Client(address, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise DaskError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    else:
        raise InputError(f"--dask {address!r}: use 'local', 'local:N' or a scheduler address like tcp://host:8786")
    try:
        hint = "" if cluster is None or find_spec("bokeh") else " (serving it needs bokeh: pip install bokeh==3.9.2)"
        print(f"Dask dashboard: {client.dashboard_link}{hint}", file=sys.stderr, flush=True)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class DaskExecutor:
    """Runs partition tasks on the workers of ``client``."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.workers = len(client.scheduler_info().get("workers", {})) or 1

    def run(self, task: PartitionTask, parts: Sequence[Partition], progress: Progress) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = self.client.map(task, list(parts), pure=False)
        try:
            for future in as_completed(futures):
                result = future.result()
                future.release()
                progress.advance(result.documents)
                yield result
        finally:
            self.client.cancel(futures)
