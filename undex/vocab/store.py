"""Saved vocabularies under the data directory: gzipped JSON with a manifest recording the
vocabulary's checksum (see :mod:`undex.modelstore`), loaded once per process."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from undex.errors import NotFoundError
from undex.modelstore import artifact_dir, open_artifact, read_manifest, save_artifact
from undex.vocab.model import Vocabulary

VOCAB_FILE = "vocab.json.gz"


def vocab_dir(datadir: Path, vocab_id: str) -> Path:
    return artifact_dir(datadir, "vocabs", vocab_id)


def save_vocabulary(vocab: Vocabulary, datadir: Path, source: str = "") -> None:
    payload = vocab.to_json().encode("utf-8")

    def write(tmp: Path) -> None:
        with gzip.open(tmp / VOCAB_FILE, "wb", compresslevel=6) as handle:
            handle.write(payload)

    manifest = {
        "kind": "vocabulary",
        "vocab_id": vocab.id,
        "concepts": len(vocab),
        "checksum": vocab.checksum,
        "source": source,
        "labels_per_language": vocab.label_counts(),
    }
    save_artifact(vocab_dir(datadir, vocab.id), write, manifest)


CACHED_VOCABULARIES = 4
"""Vocabularies kept per process (older versions go first: a running server may still
serve a model of the previous one for a moment)."""
_VOCAB_CACHE: OrderedDict[tuple[str, str], Vocabulary] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def load_vocabulary(datadir: Path, vocab_id: str) -> Vocabulary:
    """Load a saved vocabulary (verified); cached per process by checksum."""
    target = vocab_dir(datadir, vocab_id)
    manifest = read_manifest(target)
    if manifest is None:
        raise NotFoundError(
            f"vocabulary {vocab_id!r} is not loaded in {datadir}; run: undex load-vocab {vocab_id} FILE"
        )
    key = (str(target.resolve()), manifest["checksum"])
    with _CACHE_LOCK:
        if key in _VOCAB_CACHE:
            _VOCAB_CACHE.move_to_end(key)
            return _VOCAB_CACHE[key]
    version, manifest = open_artifact(target, f"vocabulary {vocab_id!r}")
    with gzip.open(version / VOCAB_FILE, "rt", encoding="utf-8") as handle:
        text = handle.read()
    vocab = Vocabulary.from_json(text)
    vocab.checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()  # the text is to_json's: no re-serializing
    with _CACHE_LOCK:  # keyed by what was opened (``current`` may have moved since the manifest was read)
        vocab = _VOCAB_CACHE.setdefault((key[0], vocab.checksum), vocab)
        while len(_VOCAB_CACHE) > CACHED_VOCABULARIES:
            _VOCAB_CACHE.popitem(last=False)
    return vocab


def vocabulary_checksum(datadir: Path, vocab_id: str) -> str | None:
    manifest = read_manifest(vocab_dir(datadir, vocab_id))
    return None if manifest is None else manifest["checksum"]


def list_vocabularies(datadir: Path) -> list[dict]:
    root = datadir / "vocabs"
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        manifest = read_manifest(folder) if folder.is_dir() else None
        if manifest is not None:
            found.append(manifest)
    return found
