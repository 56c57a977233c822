"""Run ``undex serve`` as a child process on a free 127.0.0.1 port, and stop it again: for the
browser test and the load benchmark (bench/serve_load.py), not part of the package."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from undex.errors import UndexError


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``with ServerProcess(projects, datadir) as server: server.url``"""

    def __init__(
        self, projects: Path, datadir: Path, extra_args: tuple[str, ...] = (), startup_timeout: float = 120.0
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            sys.executable, "-m", "undex", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--projects", str(projects), "--datadir", str(datadir), *extra_args,
        ]  # fmt: skip
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self._output = tempfile.TemporaryFile()

    @property
    def log(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(self.args, stdout=self._output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise UndexError(f"undex serve exited with code {self.process.returncode}:\n{self.log}")
            if self.healthy():
                return self
            time.sleep(0.2)
        self.stop()
        raise UndexError(f"undex serve did not answer on {self.url} within {self.startup_timeout:.0f} s")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return json.load(response).get("status") == "ok"
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def rss_bytes(self) -> int:
        """Resident memory of the server process (Linux /proc)."""
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
