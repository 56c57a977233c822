"""Finding thesaurus labels in text.

Chinese labels are matched on the normalised, unsegmented text with an Aho-Corasick
automaton, so results do not depend on how (or whether) the input was segmented; a match
counts only where it starts and ends at word boundaries of undex's own segmentation of the
normalised text, or where one of its ends is inside a compound whose other part is a word
of two or more characters (停火协定 "ceasefire agreement" has CEASEFIRES; 沿海地区 "coastal
areas" has no 海地 "Haiti", which cuts through both of its words).

Other languages are matched word by word. A label is a sequence of *units*: its content
words by their stem, its function words (stopwords) folded, with every article one unit and
contractions spelled out (French du = de + article, Spanish del = de + article, elided d' =
de), so the text must have a label's function words where the label has them ("law of the
sea", "droits de l'homme"). The text may have words the label lacks in four places only: an
article (headings drop them: "coordination within the UN system"), a single content word
right after a function word of the label ("rights of the girl child", "right to safe
drinking water"), the Organization's name after a content word of the label, with the
function words around it standing for the label's own ("операции Организации Объединенных
Наций по поддержанию мира", "operaciones de las Naciones Unidas para el mantenimiento de la
paz"), and a word coordinated with a content word of the label, which shares what follows
("développement économique et social" is ECONOMIC DEVELOPMENT as well as SOCIAL DEVELOPMENT;
such a match leaves the coordinated label whole). A French or Spanish label of a noun and
two adjectives is also matched with the adjectives in the other order ("droit international
humanitaire"). Arabic words are matched by the stem of their dictionary lemma where that is
part of the word's own stem: the stemmer keeps a plural ending (عمليات, عملية) and a
preposition joined to the word (لحقوق الإنسان). A stem only proposes a word: each content
word of the text must also be the label's word, by lemma or, where the lemma dictionary does
not know it, by spelling (:meth:`undex.analysis.lemmas.Lemmatizer.same_word`), so that
coopération does not match coopératives. Labels that cannot stand alone are not matched
(:func:`compile_labels`).

Where matches overlap, the longest wins; the shorter ones are kept aside as *contained*
matches (a ranking feature). Outside Chinese, a match that only crosses a longer one (two
labels sharing a word) is kept too.
"""

from undex.matching.labels import LabelEntry, LabelSet, compile_labels, ignored_labels_report
from undex.matching.matcher import LabelMatcher, Match, MatchResult, paused_collection

__all__ = [
    "LabelEntry",
    "LabelMatcher",
    "LabelSet",
    "Match",
    "MatchResult",
    "compile_labels",
    "ignored_labels_report",
    "paused_collection",
]
