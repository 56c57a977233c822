"""``lexical``: subjects found by their thesaurus labels in the text, then ranked.

Every concept whose label occurs in the text is a candidate (:mod:`.candidates`).
Candidates get language-independent features (:mod:`.features`: how often, where, how
specific the label, how much the candidate agrees with the others); a zero-shot formula
ranks them when the project is not trained, a logistic-regression ranker learned from
indexed documents otherwise (:mod:`.ranker`). As the features do not depend on the
language, a ranker learned from English documents ranks Chinese candidates. When trained,
the concepts a document's matches imply are added (:mod:`.association`). The backend
(:mod:`.backend`) wires these together; label matchers are shared per process
(:mod:`.matchers`).
"""

from undex.backends.lexical.backend import LexicalBackend, LexicalParams
from undex.backends.lexical.features import FEATURE_TABLE, FEATURES, LEARNED_FEATURES, ZERO_SHOT_WEIGHTS

__all__ = ["FEATURES", "FEATURE_TABLE", "LEARNED_FEATURES", "LexicalBackend", "LexicalParams", "ZERO_SHOT_WEIGHTS"]
