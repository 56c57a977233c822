"""``undex serve`` on the command line: clear one-line errors before anything is loaded."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]


def test_serve_refuses_a_taken_port_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "projects.toml").write_text('[p]\nlanguage = "en"\nbackend = "tfidf"\n', encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "undex", "serve", "--port", str(port)],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == f"undex: error: cannot listen on 127.0.0.1:{port}: Address already in use"
