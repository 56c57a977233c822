"""The core install runs every indexing command; `serve` and `--dask` need their pip extras
and say so in one line when they are missing (simulated by blocking the modules)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from undex.cli import main
from undex.extras import EXTRA_MODULES

# Top-level modules that only the serve and dask extras install (with what they bring along).
EXTRA_ONLY = sorted(
    {module.split(".")[0] for modules in EXTRA_MODULES.values() for module in modules}
    | {"starlette", "multipart", "distributed"}
)
SERVE_NEEDS = "'undex serve' needs the serve extra: pip install 'undex[serve]'"


@pytest.mark.parametrize(
    "args, blocked, line",
    [
        (["serve"], "fastapi", f"{SERVE_NEEDS} (cannot import fastapi)"),
        (["serve", "--port", "0"], "pypdf", f"{SERVE_NEEDS} (cannot import pypdf)"),
        (["index", "p", "c.jsonl", "--dask", "local"], "dask", "'undex index --dask' needs the dask extra"),
        (["eval", "p", "c.jsonl", "--dask", "local"], "dask", "'undex eval --dask' needs the dask extra"),
    ],
)
def test_missing_extra_is_one_line_naming_it(
    args: list[str], blocked: str, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for name in [blocked, *(name for name in sys.modules if name.startswith(f"{blocked}."))]:
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed, even when already imported
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.count("\n") == 1 and err.startswith(f"undex: error: {line}"), err


CORE_RUN = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None
from undex.cli import main
for args in {commands!r}:
    try:
        main(args)
    except SystemExit as exc:
        print("exit", exc.code or 0, *args[:1], file=sys.stderr, flush=True)
"""


@pytest.mark.subprocess
@pytest.mark.slow
def test_core_install_loads_trains_suggests_evaluates_and_indexes(tmp_path: Path, mini_vocab_path: Path) -> None:
    (tmp_path / "projects.toml").write_text(
        '[p]\nlanguage = "en"\nbackend = "tfidf"\nvocab = "mini"\nmin_df = 1\n', encoding="utf-8"
    )
    corpus = [("Freshwater and water resources", ["WATER RESOURCES"]), ("Human rights defenders", ["HUMAN RIGHTS"])]
    lines = [json.dumps({"id": f"d{i}", "text": t, "labels": labels}) for i, (t, labels) in enumerate(corpus * 3)]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "doc.txt").write_text("The protection of human rights defenders", encoding="utf-8")
    commands = [
        ["load-vocab", "mini", str(mini_vocab_path)],
        ["train", "p", "c.jsonl"],
        ["suggest", "p", "doc.txt", "--limit", "1"],
        ["eval", "p", "c.jsonl", "--format", "json"],
        ["index", "p", "c.jsonl", "-o", "out.jsonl", "--quiet"],
        ["serve"],
    ]
    script = CORE_RUN.format(blocked=EXTRA_ONLY, commands=commands)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    exits = [line for line in result.stderr.splitlines() if line.startswith("exit ")]
    assert exits == [f"exit 0 {c[0]}" for c in commands[:-1]] + ["exit 1 serve"], result.stderr
    assert "\tHUMAN RIGHTS\t" in result.stdout
    assert [json.loads(row)["id"] for row in (tmp_path / "out.jsonl").read_text().splitlines()] == [
        f"d{i}" for i in range(6)
    ]
