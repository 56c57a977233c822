"""The layering of docs/architecture.md, checked on the source with ``ast``: a module imports
only modules of its own layer or lower ones, the libraries of the serve and dask extras are
imported only where those features live, and no module is longer than 400 lines.

To place a new module or package, add its dotted name to LAYERS (a package's name covers
all its modules; the longest matching name wins).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import undex

SOURCE = Path(undex.__file__).resolve().parent
MAX_LINES = 400

# Lowest first, in the order data flows; a module may import its own layer and those above it here.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "undex",
            "undex.errors",
            "undex.atomicio",
            "undex.chunking",
            "undex.extras",
            "undex.modelstore",
            "undex.progress",
            "undex.textnorm",
        ),
    ),
    ("vocabulary", ("undex.vocab",)),
    ("corpus", ("undex.corpus",)),
    ("analysis", ("undex.analysis",)),
    (
        "features, matching and metrics",
        (
            "undex.features",
            "undex.matching",
            "undex.vocab_search",
            "undex.calibration",
            "undex.tuning",
            "undex.evaluation",
        ),
    ),
    ("suggestion and outputs", ("undex.suggestion", "undex.results", "undex.marc")),
    ("backends", ("undex.backends",)),
    ("projects and feedback", ("undex.project", "undex.feedback")),
    ("training and batch runs", ("undex.training", "undex.optimize", "undex.batch")),
    ("Python API", ("undex.api",)),
    ("server", ("undex.server",)),
    ("command line", ("undex.cli", "undex.__main__")),
]

# (importer, imported): deliberate exceptions, each with its reason.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("undex", "undex.api"): "the package root re-exports the Python API, imported on first use",
}

# Imports that break the layering today, to be removed (strict xfail: the entry must go when fixed).
KNOWN_UPWARD: dict[str, str] = {}

# Libraries only the pip extras install, and the packages that may import them.
EXTRA_LIBRARIES: dict[str, tuple[str, ...]] = {
    "fastapi": ("undex.server",),
    "starlette": ("undex.server",),
    "uvicorn": ("undex.cli.serve", "undex.server"),
    "python_multipart": ("undex.server",),
    "multipart": ("undex.server",),
    "docx": ("undex.server",),
    "pypdf": ("undex.server",),
    "swagger_ui_bundle": ("undex.server",),
    "dask": ("undex.batch",),
    "distributed": ("undex.batch",),
}

# Modules over MAX_LINES, while they are being split (strict xfail: the entry must go when split).
KNOWN_LONG: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def _covers(prefix: str, module: str) -> bool:
    return module == prefix or (prefix != "undex" and module.startswith(prefix + "."))


def layer_of(module: str) -> int | None:
    """The rank of the layer whose longest name covers ``module`` (None if no layer does)."""
    matches = [(len(name), rank) for rank, (_, names) in enumerate(LAYERS) for name in names if _covers(name, module)]
    return max(matches)[1] if matches else None


def imported_modules(module: str, source: str, known: set[str]) -> set[str]:
    """Every module ``source`` imports (at any depth: lazy imports count). ``from p import x``
    counts as p.x when that is a module of ``known``."""
    package = module if SOURCES.get(module, Path()).name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
    return found


def upward_imports(module: str, source: str, known: set[str]) -> list[str]:
    """The undex modules that ``module`` imports from a higher layer than its own."""
    rank = layer_of(module)
    assert rank is not None, f"{module} has no layer: add it to LAYERS in tests/test_architecture.py"
    return sorted(
        f"{target} ({LAYERS[target_rank][0]})"
        for target in imported_modules(module, source, known)
        if target.split(".")[0] == "undex"
        and (target_rank := layer_of(target)) is not None
        and target_rank > rank
        and (module, target) not in ALLOWED_UPWARD
    )


def _xfail_if(known: dict[str, str], key: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(reason=known[key], strict=True)] if key in known else []


def test_every_module_has_a_layer() -> None:
    assert [module for module in SOURCES if layer_of(module) is None] == []


@pytest.mark.parametrize("module", [pytest.param(m, marks=_xfail_if(KNOWN_UPWARD, m)) for m in SOURCES])
def test_module_imports_only_its_own_or_lower_layers(module: str) -> None:
    source = SOURCES[module].read_text(encoding="utf-8")
    upward = upward_imports(module, source, set(SOURCES))
    assert upward == [], f"{module} ({LAYERS[layer_of(module)][0]}) imports from higher layers: {upward}"


def test_the_check_sees_lazy_relative_and_from_imports() -> None:
    known = set(SOURCES)
    lazy = "def f():\n    from undex.project import Project\n"
    assert upward_imports("undex.vocab", lazy, known) == ["undex.project (projects and feedback)"]
    assert upward_imports("undex.corpus", "from . import api\n", known) == ["undex.api (Python API)"]
    assert upward_imports("undex.backends.tfidf", "from undex import errors, suggestion\n", known) == []
    assert upward_imports("undex.server.routes", "import undex.cli.app\n", known) == ["undex.cli.app (command line)"]


@pytest.mark.parametrize("module", list(SOURCES))
def test_extra_libraries_stay_in_their_features(module: str) -> None:
    """The core install (no extras) must be able to import every other module."""
    source = SOURCES[module].read_text(encoding="utf-8")
    misplaced = sorted(
        name
        for name in imported_modules(module, source, set(SOURCES))
        if (places := EXTRA_LIBRARIES.get(name.split(".")[0])) is not None
        and not any(_covers(place, module) for place in places)
    )
    assert misplaced == [], f"{module} imports {misplaced}, which only a pip extra installs"


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param(rel, marks=_xfail_if(KNOWN_LONG, rel))
        for rel in (path.relative_to(SOURCE).as_posix() for path in SOURCES.values())
    ],
)
def test_module_is_at_most_400_lines(relative: str) -> None:
    lines = len((SOURCE / relative).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"undex/{relative} has {lines} lines; split it (at most {MAX_LINES})"
