"""Paths and child processes shared by the side-by-side benchmarks (quality.py, fulltext.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("UNDEX_SHARED", ROOT.parent / "shared"))
TERMS = SHARED / "data" / "derived" / "unbis_terms.tsv"
CORPORA = SHARED / "data" / "derived" / "corpora"
SEED = SHARED / "examples" / "seed.txt"
PROJECTS_TOML = ROOT / "projects.toml"
# one process, one thread each when suggesting: the throughput comparison is per process
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS")}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Run:
    """Wall seconds and peak RSS of one child process."""

    seconds: float
    max_rss_kb: int
    stdout: str


def run(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Run a child process; its peak RSS comes from wait4. Fails loudly with its output."""
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
        )
    except OSError as exc:
        raise SystemExit(f"cannot start {cmd[0]}: {exc}") from None
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode:
        why = f"killed after the {timeout:.0f} s time limit" if seconds >= timeout else f"exit {proc.returncode}"
        raise SystemExit(f"failed ({why}) after {seconds:.0f} s: {' '.join(cmd)}\n{out[-3000:]}")
    return Run(seconds, usage.ru_maxrss, out)


def shared_corpora() -> list[Path]:
    """The labelled corpora of ../shared, or a clear error when the folder is not there."""
    paths = sorted(CORPORA.glob("*.jsonl"))
    if not paths or not TERMS.exists():
        where = SHARED / "data"
        raise SystemExit(f"no corpora or UNBIS table under {where}: put the shared folder beside the repository")
    return paths
