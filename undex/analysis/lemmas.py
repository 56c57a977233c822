"""Lemmas, to tell the inflections of a word from other words with the same stem.

Snowball stems join words that differ in more than inflection: French coopération and
coopératives, Spanish protección and proteccionismo, humanos and humanismo, Arabic العامة
("general") and العامية ("slang"). The lemma dictionaries of ``simplemma`` (offline, one per
language, read when a matcher is built: about 30 MB of memory for French and Arabic, 85 MB
for Spanish, 140 MB for Russian) tell them apart: two forms are one word when they share a
lemma. Words the dictionary does not know are compared by spelling: the same
word but for an ending of at most :data:`MAX_ENDING` letters.

English is the exception: its nouns and adjectives inflect for number only, while the
dictionary gives gerunds the lemma of their verb (questioning: question, so that every
"question" would be INTERROGATION, whose label is QUESTIONING); two English words are one
word when they are the same but for a plural ending.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from simplemma.strategies import DictionaryLookupStrategy

MAX_ENDING = 3
"""Longest inflectional ending told apart by spelling alone (Russian -ями, Arabic -ات)."""
_CACHE_SIZE = 50_000
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_ARTICLE = re.compile("^(?:[وفبك]?ال|لل)(?=..)")
_ARABIC_PROCLITIC = re.compile("^[وف]?[بلك]?(?=...)")


class Lemmatizer:
    """Dictionary lemmas of the words of one language, folded with ``fold`` (as undex folds text)."""

    def __init__(self, language: str, fold: Callable[[str], str]) -> None:
        self.language = language
        self._fold = fold
        self._lookup = DictionaryLookupStrategy()
        self._cache: dict[str, frozenset[str]] = {}

    def load(self) -> None:
        """Read the dictionary now (it is otherwise read on first use; English needs none)."""
        if self.language != "en":
            self._lookup.get_lemma("a", self.language)

    def lemmas(self, word: str) -> frozenset[str]:
        """The folded lemmas of a word as written; empty when the dictionary does not know it.

        Arabic words are also looked up without their article and the conjunction or
        preposition before it (the dictionary lists المهاجرون as a lemma of its own but
        مهاجرون under مهاجر), and, when it does not know them, without a leading conjunction
        and preposition (وحقوق "and rights", بعمليات "by operations")."""
        found = self._cache.get(word)
        if found is None:
            if self.language == "ar":
                bare = _ARABIC_MARKS.sub("", word)
                found = self._arabic_lemmas(bare) or self._arabic_lemmas(_ARABIC_PROCLITIC.sub("", bare))
            else:
                found = self._lemmas_of(word)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[word] = found
        return found

    def headword(self, word: str) -> str | None:
        """Arabic: the dictionary's lemma of a word as the dictionary writes it (looked up
        like :meth:`lemmas`), None when it does not know the word. Broken plurals and
        singulars share one (أسلحة and سلاح, عمليات and عملية), as do words with a
        preposition joined (لحقوق: حق)."""
        bare = _ARABIC_MARKS.sub("", word)
        for form in (bare, _ARABIC_ARTICLE.sub("", bare), _ARABIC_PROCLITIC.sub("", bare)):
            lemma = self._lookup.get_lemma(form, self.language)
            if lemma is not None:
                return lemma
        return None

    def _lemmas_of(self, form: str) -> frozenset[str]:
        lemma = self._lookup.get_lemma(form, self.language)
        return frozenset() if lemma is None else frozenset([self._fold(lemma)])

    def _arabic_lemmas(self, word: str) -> frozenset[str]:
        return self._lemmas_of(word) | self._lemmas_of(_ARABIC_ARTICLE.sub("", word))

    def same_word(self, label_word: str, text_word: str) -> bool:
        """Whether a label's word and a word of the text (both as written) are one word.

        French and Spanish labels are written without accents: a label word the dictionary
        does not know is looked up again with the accents of the text's word."""
        folded_label, folded_text = self._fold(label_word), self._fold(text_word)
        if folded_label == folded_text:
            return True
        if self.language == "en":
            return english_singular(folded_label) == english_singular(folded_text)
        text_lemmas = self.lemmas(text_word)
        label_lemmas = self.lemmas(label_word)
        if not label_lemmas and self.language in ("fr", "es"):
            label_lemmas = self.lemmas(with_accents_of(label_word, text_word))
        if text_lemmas and label_lemmas:
            return not text_lemmas.isdisjoint(label_lemmas)
        return differ_in_ending(folded_label, folded_text)


def english_singular(word: str) -> str:
    """An English word without its plural ending (countries: country, rights: right)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def differ_in_ending(a: str, b: str) -> bool:
    """Whether two words are the same but for endings of at most :data:`MAX_ENDING` letters."""
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return len(a) - common <= MAX_ENDING and len(b) - common <= MAX_ENDING and common >= 2


def with_accents_of(plain: str, accented: str) -> str:
    """``plain`` spelled with the accents of ``accented`` over the letters they share:
    cooperatives with coopération gives coopératives."""
    shared = []
    for p, a in zip(plain.lower(), accented.lower(), strict=False):
        if unicodedata.normalize("NFD", a)[0] != p:
            break
        shared.append(a)
    return "".join(shared) + plain[len(shared) :].lower()
