"""Related cases: what makes two cases "the same matter" (no Qt, no SQL; the store finds
the candidates, desk.store.related).

Two cases are related when the citizen's phone or ID number is the same, or when their
titles are very similar: the Dice coefficient of the sets of character bigrams of the
normalized titles, 2·|A∩B| / (|A| + |B|), is at least SIMILAR_TITLE. Bigrams because a
Chinese word is mostly two characters: "小区里有条狗天天咬人" and "小区里的狗天天咬人"
score 0.71, "驾驶证换证" and "驾驶证到期换证" 0.6, "小区的狗咬人了" and "小区停车位被占了"
0.15. Normalized: NFKC (full-width letters and digits become plain ones), case folded,
and only letters and digits kept (Chinese characters are letters), so punctuation and
spacing never make two titles differ. A title shorter than MIN_TITLE_CHARS normalized
characters is never similar to anything ("求助" would relate every case to every other).

The store finds candidates with the search index's trigrams (a very similar title of
three characters or more shares at least one with the other) and scores them here.
"""

from __future__ import annotations

import unicodedata

SIMILAR_TITLE = 0.6
MIN_TITLE_CHARS = 3
# Enough for any title an officer reads in one line; a longer one is cut, not refused.
MAX_TRIGRAMS = 64


def normalize_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _grams(text: str, size: int) -> list[str]:
    return list(dict.fromkeys(text[i:i + size] for i in range(len(text) - size + 1)))


def trigrams(title: str | None) -> list[str]:
    """The distinct trigrams of the normalized title, for finding candidates (none when
    the title is too short to be similar to anything)."""
    text = normalize_title(title)
    if len(text) < MIN_TITLE_CHARS:
        return []
    return _grams(text, 3)[:MAX_TRIGRAMS]


def title_similarity(a: str | None, b: str | None) -> float:
    """Dice coefficient of the two titles' bigram sets (0 when either is too short)."""
    na, nb = normalize_title(a), normalize_title(b)
    if len(na) < MIN_TITLE_CHARS or len(nb) < MIN_TITLE_CHARS:
        return 0.0
    ga, gb = set(_grams(na, 2)), set(_grams(nb, 2))
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def very_similar(a: str | None, b: str | None) -> bool:
    return title_similarity(a, b) >= SIMILAR_TITLE
