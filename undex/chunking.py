"""Cutting a stream of items into lists of at most ``size``: the one batching loop of undex."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

Item = TypeVar("Item")


def chunked(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive lists of ``size`` items (the last may be shorter), reading ``items``
    lazily: never more than one list ahead."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
