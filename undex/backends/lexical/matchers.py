"""The label matchers of a process, built once per vocabulary and language.

Building a matcher takes seconds (every label analysed, an automaton compiled), so
matchers are shared by all projects of a process. They are keyed by the vocabulary's
checksum, not by the object: two loads of the same vocabulary share a matcher, a changed
vocabulary gets a new one. The cache is bounded (least recently used matchers go first) and
a matcher is built once even when several threads ask for it at the same time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from undex.analysis import Analyzer
from undex.matching import LabelMatcher
from undex.vocab import Vocabulary

MatcherKey = tuple[str, str]
"""Vocabulary checksum and language."""


class MatcherCache:
    def __init__(self, size: int, build: Callable[[Vocabulary, str, Analyzer], LabelMatcher] = LabelMatcher) -> None:
        self.size = size
        self._build = build
        self._matchers: OrderedDict[MatcherKey, LabelMatcher] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[MatcherKey, threading.Lock] = {}

    def get(self, vocab: Vocabulary, language: str, analyzer: Analyzer) -> LabelMatcher:
        key = (vocab.checksum, language)
        with self._lock:
            if key in self._matchers:
                self._matchers.move_to_end(key)
                return self._matchers[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one thread builds, the others wait for its matcher
            with self._lock:
                if key in self._matchers:
                    return self._matchers[key]
            try:
                matcher = self._build(vocab, language, analyzer)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._matchers[key] = matcher
                while len(self._matchers) > self.size:
                    self._matchers.popitem(last=False)
        return matcher

    def keys(self) -> list[MatcherKey]:
        """The cached keys, least recently used first."""
        with self._lock:
            return list(self._matchers)

    def clear(self) -> None:
        with self._lock:
            self._matchers.clear()


MATCHERS = MatcherCache(size=8)
"""The process's matchers: room for the six UN languages of a vocabulary, and two more."""
