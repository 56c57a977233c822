"""Progress reporting: Rich on terminals, periodic plain lines elsewhere."""

from __future__ import annotations

import io

from undex.progress import Progress


def test_plain_lines_only_for_long_runs_with_rate_and_eta() -> None:
    quiet = io.StringIO()
    with Progress("evaluating p", stream=quiet, interval=3600) as bar:
        bar.advance(500)
    assert quiet.getvalue() == "", "short runs stay silent when not on a terminal"

    out = io.StringIO()
    with Progress("evaluating p", total=1000, stream=out, interval=0.0) as bar:
        bar.advance(250)
        bar.advance(250)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("evaluating p: 250 docs of 1,000 (25%)")
    assert "left" in lines[0] and "docs/s" in lines[0]
    assert lines[-1].startswith("evaluating p: 500 docs of 1,000 (50%)")


def test_rich_bar_on_a_terminal() -> None:
    out = io.StringIO()
    with Progress("reading the corpus of p", stream=out, rich=True) as bar:
        bar.advance(3)
    text = out.getvalue()
    assert "\x1b[" in text, "drawn with terminal control sequences"
    assert "reading the corpus of p" in text
