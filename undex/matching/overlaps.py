"""Which matches are kept where they overlap.

Outside Chinese a match may skip the units of a word coordinated with one of its label's
("economic [and social] development"); those units belong to another label, which must
stay whole, so such a match covers only its own words (:func:`longest_first`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from undex.matching.matcher import Match


def longest_first(found: list[tuple[int, int, Match]], crossing: bool = False) -> tuple[list[Match], list[Match]]:
    """Keep non-overlapping matches, longest first (then leftmost); return kept and contained.

    With ``crossing`` (word units), of two matches over the same words the one matching more
    of them wins (a label matched whole beats one matched with a gap: ABUSE OF ADMINISTRATIVE
    POWER, not ABUSE OF POWER), and a match is set aside only when it lies inside a kept one:
    two labels sharing a word ("прав трудящихся-мигрантов": WORKERS' RIGHTS, MIGRANT WORKERS)
    both stay. A match over coordinated words (:attr:`Match.shared`) comes after the others
    and covers only its own words."""

    def order(item: tuple[int, int, Match]) -> tuple[int, ...]:
        start, end, match = item
        if not crossing:
            return (start - end, start)
        return (len(match.shared) > 0, start - end, start, -match.key.count(" "))

    covered = bytearray(max((end for _, end, _ in found), default=0))
    kept, contained = [], []
    for start, end, match in sorted(found, key=order):
        if match.shared:
            own = [u for u in range(start, end) if u not in match.shared]
            inside = all(covered[u] for u in own)
        else:
            inside = all(covered[start:end]) if crossing else any(covered[start:end])
        if inside:
            contained.append(match)
        elif match.shared:
            for u in own:
                covered[u] = 1
            kept.append(match)
        else:
            covered[start:end] = b"\x01" * (end - start)
            kept.append(match)
    kept.sort(key=lambda m: m.start)
    return kept, contained
