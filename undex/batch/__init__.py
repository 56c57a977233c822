"""Batch work: ``undex index`` (subjects for every document of a directory or corpus) and
``undex eval`` over large corpora, in this process, in ``--jobs`` worker processes or on Dask.

* :mod:`~undex.batch.partitions`: corpora cut into partitions, the unit of parallel and
  resumable work;
* :mod:`~undex.batch.executors`: where partitions run (serial, process pool, Dask);
* :mod:`~undex.batch.tasks`: what a worker does with a partition of ``undex index``;
* :mod:`~undex.batch.formats`: the TSV and JSONL outputs;
* :mod:`~undex.batch.runs`: resumable runs (fingerprint, parts, finish);
* :mod:`~undex.batch.evaluate`: evaluation in batches and on Dask.
"""

from undex.batch.executors import DASK_HELP, DaskExecutor, ProcessExecutor, SerialExecutor, dask_client
from undex.batch.formats import DEFAULT_SUFFIX
from undex.batch.runs import IndexRun, run_index
from undex.batch.tasks import IndexSpec, ProjectRef

__all__ = [
    "DASK_HELP",
    "DEFAULT_SUFFIX",
    "DaskExecutor",
    "IndexRun",
    "IndexSpec",
    "ProcessExecutor",
    "ProjectRef",
    "SerialExecutor",
    "dask_client",
    "run_index",
]
