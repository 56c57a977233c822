"""The subject vocabulary: concepts, their labels in six languages, and their links.

:mod:`~undex.vocab.model` holds concepts and the vocabulary with its lookups,
:mod:`~undex.vocab.readers` reads vocabulary files (UNBIS tables, SKOS, Annif TSV) and
:mod:`~undex.vocab.store` saves and loads vocabularies under the data directory.
"""

from undex.vocab.model import LANGUAGES, Concept, Vocabulary
from undex.vocab.readers import load_vocabulary_file
from undex.vocab.store import (
    VOCAB_FILE,
    list_vocabularies,
    load_vocabulary,
    save_vocabulary,
    vocab_dir,
    vocabulary_checksum,
)

__all__ = [
    "LANGUAGES",
    "VOCAB_FILE",
    "Concept",
    "Vocabulary",
    "list_vocabularies",
    "load_vocabulary",
    "load_vocabulary_file",
    "save_vocabulary",
    "vocab_dir",
    "vocabulary_checksum",
]
