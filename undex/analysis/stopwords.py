"""Short, generic function-word lists per language (articles, prepositions, pronouns,
auxiliaries). They only keep grammar words out of features; they carry no topic."""

from __future__ import annotations

_EN = """a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
me more most my myself no nor not of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves also shall may upon thereof therein its"""
_FR = """a au aux avec ce ces cette dans de des du elle en et eux il ils je la le les leur
leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se
ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y ete etre sont est ont
a été être sont été aussi ainsi afin entre lors dont cet celle celui ceux sous sans"""
_ES = """a al ante bajo con contra de del desde durante el ella ellas ellos en entre era es esa
ese eso esta este esto estos fue han hasta la las le les lo los mas me mi no nos o os para pero
por que se sin sobre su sus te tu un una uno unos y ya son ha sido como cual cuando donde"""
_RU = """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по
только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни
быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть
надо ней для мы тебя их чем была сам чтобы без будто чего раз тоже себе под будет ж тогда кто
этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда
зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про
всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
нельзя такой им более всегда конечно всю между также который которые которых это"""
_AR = """في من إلى على عن مع هذا هذه ذلك التي الذي الذين و أو ثم أن إن كان كانت لا ما لم لن
قد كل بين هو هي هم نحن أنت عند حتى إذا إلا أي بعد قبل فيها فيه منها منه عليه عليها له لها"""
_ZH = """的 了 和 与 及 或 在 是 为 对 等 也 而 并 其 之 以 于 被 把 将 从 向 由 这 那 这些
那些 该 此 各 每 中 上 下 所 有 就 都 又 还 但 则 即 如 若 因 因为 所以 以及 以便 方面 一个
我们 他们 它们 已 已经 应 应当 可 可以 能 会 要 不 没有 着 过 地 得"""

ARTICLE = "<art>"
"""The unit every article is matched as: labels and text often differ only in the article
("rights of the child" / "of a child", "droits de la femme" / "des femmes")."""

_ARTICLES = {
    "en": "the a an",
    "fr": "le la les l un une",
    "es": "el la los las lo un una unos unas",
}
_CONTRACTIONS = {
    "fr": {"du": ("de", ARTICLE), "des": ("de", ARTICLE), "au": ("a", ARTICLE), "aux": ("a", ARTICLE), "d": ("de",)},
    "es": {"al": ("a", ARTICLE), "del": ("de", ARTICLE)},
}
_CONNECTORS = {
    "en": "of to for in on at by with from into onto upon between among against and or nor than via per",
    "fr": "de d du des a au aux en dans par pour sur sous avec sans entre contre chez vers et ou",
    "es": "de del a al en por para con sin sobre entre contra hacia desde hasta y e o u",
    "ru": "в во на с со к ко у о об обо по за из от до для без при про через над под перед между и или а но",
    "ar": "في من الى على عن مع بين عند حتى و او ثم",
}
"""Prepositions and conjunctions (folded): words that join two phrases, so that a label
cannot start or end with one and still name something (the alternative label "RIGHT OF")."""


def function_units(folded: str, language: str) -> tuple[str, ...]:
    """How a folded function word is matched: articles as one unit, contractions spelled
    out (French du = de + article, Spanish del = de + article, elided d' = de)."""
    if folded in _CONTRACTIONS.get(language, {}):
        return _CONTRACTIONS[language][folded]
    if folded in _ARTICLES.get(language, "").split():
        return (ARTICLE,)
    return (folded,)


_COORDINATORS = {"en": "and or", "fr": "et ou", "es": "y e o u", "ru": "и или"}
"""Arabic joins its conjunction و to the next word."""


def coordinators(language: str) -> frozenset[str]:
    """Folded coordinating conjunctions written as words of their own."""
    return frozenset(_COORDINATORS.get(language, "").split())


def connectors(language: str) -> frozenset[str]:
    """Folded prepositions and conjunctions."""
    return frozenset(_CONNECTORS.get(language, "").split())


def articles(language: str) -> frozenset[str]:
    """Folded articles (French elided l' as l)."""
    return frozenset(_ARTICLES.get(language, "").split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_EN.split()),
    "fr": frozenset(_FR.split()),
    "es": frozenset(_ES.split()),
    "ru": frozenset(_RU.split()),
    "ar": frozenset(_AR.split()),
    "zh": frozenset(_ZH.split()),
}


def stopwords(language: str) -> frozenset[str]:
    return STOPWORDS.get(language, frozenset())
