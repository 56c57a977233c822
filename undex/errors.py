"""undex's own error types: every failure a user can cause is one of these.

The CLI and the REST API turn an :class:`UndexError` into one clear line (or a JSON
problem document); anything else is a bug.
"""

from __future__ import annotations


class UndexError(Exception):
    """Base class of errors caused by input, configuration or state, not by a bug."""


class InputError(UndexError):
    """A file or text given to undex cannot be read or parsed."""


class ConfigError(UndexError):
    """The projects file or a project's parameters are invalid."""


class NotFoundError(UndexError):
    """An unknown project, vocabulary, file or concept."""


class NotTrainedError(UndexError):
    """The project needs a trained model and has none."""


class ModelError(UndexError):
    """A saved model or vocabulary is missing, incomplete, tampered or incompatible."""


class StoreError(UndexError):
    """The feedback database cannot be opened, read or written (read-only or full disk, damaged file)."""
