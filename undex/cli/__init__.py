"""The ``undex`` command line (verbs and output follow Annif's CLI)."""

from __future__ import annotations

import os
import sys

import undex.cli.batch  # noqa: F401,E402  (registers `index`)
import undex.cli.optimize  # noqa: F401, E402
import undex.cli.serve  # noqa: F401
from undex.cli.app import app
from undex.errors import UndexError


def main(argv: list[str] | None = None) -> None:
    """Entry point: undex's own errors become one line on stderr and exit code 1."""
    debug = os.environ.get("UNDEX_DEBUG") == "1" or "--debug" in (argv or sys.argv)
    if "--debug" in sys.argv:
        sys.argv.remove("--debug")
    try:
        app(args=argv, prog_name="undex", standalone_mode=True)
    except UndexError as exc:
        if debug:
            raise
        print(f"undex: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("undex: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: say so in one line unless debugging
        if debug:
            raise
        print(
            f"undex: internal error: {type(exc).__name__}: {exc} (UNDEX_DEBUG=1 shows the traceback)", file=sys.stderr
        )
        sys.exit(2)
