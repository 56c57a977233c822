"""Concepts and the vocabulary that orders them, with lookups by id, URI and label."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property

from undex.textnorm import normalize_label

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


@dataclass
class Concept:
    """One subject concept. ``id`` is a short stable identifier (UNBIS concept id)."""

    id: str
    uri: str
    prefLabel: dict[str, str] = field(default_factory=dict)
    altLabel: dict[str, list[str]] = field(default_factory=dict)
    notation: str = ""
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    microthesauri: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    def label(self, language: str, fallback: str = "en") -> str:
        return (
            self.prefLabel.get(language) or self.prefLabel.get(fallback) or next(iter(self.prefLabel.values()), self.id)
        )

    def labels(self, language: str) -> list[str]:
        """Preferred then alternative labels in ``language``."""
        pref = self.prefLabel.get(language)
        return ([pref] if pref else []) + list(self.altLabel.get(language, []))


@dataclass
class Vocabulary:
    """An ordered list of concepts; a concept's position is its column in score matrices.

    A vocabulary is not changed once built: its indexes and checksum are computed once.
    """

    id: str
    concepts: list[Concept]
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    """Microthesaurus and domain names by code: ``{"140402": {"en": "...", "zh": ...}}``."""

    def __post_init__(self) -> None:
        self._by_id = {c.id: i for i, c in enumerate(self.concepts)}
        self._by_uri = {c.uri: i for i, c in enumerate(self.concepts)}
        self._label_index: tuple[dict[str, int], dict[str, list[int]]] | None = None

    def _labels(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Normalised English preferred labels, and all labels, to concepts (built on first use)."""
        if self._label_index is None:
            by_label: dict[str, list[int]] = defaultdict(list)
            for i, concept in enumerate(self.concepts):
                keys = {normalize_label(lbl) for lang in concept.prefLabel for lbl in concept.labels(lang)}
                for key in keys:
                    if key:
                        by_label[key].append(i)
            pref_en = {
                key: i for i, c in enumerate(self.concepts) if (key := normalize_label(c.prefLabel.get("en", "")))
            }
            self._label_index = (pref_en, dict(by_label))
        return self._label_index

    def __len__(self) -> int:
        return len(self.concepts)

    def index_of_id(self, concept_id: str) -> int | None:
        return self._by_id.get(concept_id)

    def index_of_uri(self, uri: str) -> int | None:
        return self._by_uri.get(uri.strip().strip("<>"))

    def lookup_label(self, label: str) -> int | None:
        """The concept a label names: an English preferred label wins over other labels."""
        key = normalize_label(label)
        pref_en, by_label = self._labels()
        if key in pref_en:
            return pref_en[key]
        hits = by_label.get(key)
        return hits[0] if hits else None

    def labels_in(self, language: str) -> Iterator[str]:
        """Every concept's preferred and alternative labels in ``language``, concept by concept."""
        return (label for concept in self.concepts for label in concept.labels(language))

    def label_counts(self) -> dict[str, int]:
        """How many concepts have a preferred label in each language."""
        counts: dict[str, int] = defaultdict(int)
        for concept in self.concepts:
            for lang in concept.prefLabel:
                counts[lang] += 1
        return dict(counts)

    def group_name(self, code: str, language: str) -> str:
        names = self.groups.get(code, {})
        return names.get(language) or names.get("en") or code

    @cached_property
    def checksum(self) -> str:
        """SHA-256 of :meth:`to_json`: the checksum a saved vocabulary's manifest records."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    def to_json(self) -> str:
        data = {"id": self.id, "groups": self.groups, "concepts": [asdict(c) for c in self.concepts]}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        data = json.loads(text)
        return cls(data["id"], [Concept(**c) for c in data["concepts"]], data.get("groups", {}))
