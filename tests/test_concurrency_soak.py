"""The 20-second soak (bench/soak.py runs 2 minutes): suggest, learn, load-vocab and train at
once against a real ``undex serve``; no 5xx and no URI of another vocabulary than the model's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from soak import soak  # noqa: E402


@pytest.mark.slow
def test_soak_while_learning_reloading_and_retraining(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNDEX_API_TOKEN", "")  # soak sets its own
    figures = soak(20, tmp_path)
    assert figures["server_errors"] == 0, figures["first_errors"]
    assert figures["foreign_uri_answers"] == 0 and figures["mixed_uri_answers"] == 0, figures
    assert figures["statuses"].get("suggest 200", 0) > 100 and figures["statuses"].get("learn 204", 0) > 10, figures
