"""undex: automated subject indexing of United Nations documents with the UNBIS Thesaurus."""

__version__ = "0.1.0"

__all__ = ["load_project", "Indexer", "Suggestions", "Subject", "__version__"]


def __getattr__(name: str):
    """The Python API (undex.api) is imported on first use, keeping ``import undex`` light."""
    if name in ("load_project", "Indexer", "Suggestions", "Subject", "EvidenceSpan", "ConceptInfo"):
        from undex import api

        return getattr(api, name)
    raise AttributeError(f"module 'undex' has no attribute {name!r}")
