"""The ``undex`` command line (verbs and output follow Annif's CLI)."""

from __future__ import annotations

import os
import sys

from typer import Abort

import undex.cli.batch  # noqa: F401,E402  (registers `index`)
import undex.cli.feedback  # noqa: F401  (registers `feedback export` and `feedback stats`)
import undex.cli.optimize  # noqa: F401, E402
import undex.cli.serve  # noqa: F401
from undex.cli.app import app
from undex.errors import UndexError

try:  # typer >= 0.20 vendors click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError


def main(argv: list[str] | None = None) -> None:
    """Entry point: undex's own errors and usage errors become one line on stderr
    (exit 1 and 2); a bug is one line too unless UNDEX_DEBUG=1 or --debug."""
    debug = os.environ.get("UNDEX_DEBUG") == "1" or "--debug" in (argv or sys.argv)
    if "--debug" in sys.argv:
        sys.argv.remove("--debug")
    try:
        code = app(args=argv, prog_name="undex", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # typer has printed the help already
        sys.exit(exc.exit_code)
    except ClickException as exc:  # bad option value, unknown command, missing argument
        where = f" (see '{exc.ctx.command_path} --help')" if getattr(exc, "ctx", None) else ""
        print(f"undex: error: {' '.join(exc.format_message().split())}{where}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except UndexError as exc:
        if debug:
            raise
        print(f"undex: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except (KeyboardInterrupt, Abort):
        print("undex: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # the environment, not undex: permissions, a full disk, ...
        if debug:
            raise
        print(f"undex: error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # a bug: say so in one line unless debugging
        if debug:
            raise
        print(
            f"undex: internal error: {type(exc).__name__}: {exc} (UNDEX_DEBUG=1 shows the traceback)", file=sys.stderr
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
