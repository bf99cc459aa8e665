"""Spoken instructions made plain before they are read: fillers, words said twice, repairs.

A person talking to a robot says "go to the, uh, bedroom, no wait, the bathroom". The extractor was trained on
written commands; what it reads is the instruction as meant, "go to the bathroom", with every word kept at its
place in the text (the words left out are not in the parse's tokens, and the spans' character offsets still
point into the instruction).
"""

from __future__ import annotations

__all__ = ["Word", "plain"]

Word = tuple[str, int]   # a token and its character offset

_FILLERS = frozenset({"uh", "uhh", "um", "umm", "uhm", "erm", "er", "hmm", "hm", "mm", "mmm"})
# said between commas, these take back what came before: "the living room, sorry, the dining room"
_REPAIRS = (("no", "wait"), ("sorry",), ("i", "mean"), ("actually",), ("no",))


def plain(words: list[Word]) -> list[Word]:
    """`words` without fillers and the commas around them, a word said twice in a row once, and the words a repair
    takes back.

    Examples
    --------
    >>> said = lambda text: [w for w, _ in plain([(w, 0) for w in text.split()])]   # (offsets do not matter here)
    >>> said("go to the , uh , bedroom , no wait , the bathroom")
    ['go', 'to', 'the', 'bathroom']
    >>> said("turn left , no , right")
    ['turn', 'right']
    """
    fillers = {i for i, (w, _) in enumerate(words) if w.lower() in _FILLERS}
    commas = {j for i in fillers for j in (i - 1, i + 1) if 0 <= j < len(words) and words[j][0] == ","}
    kept: list[Word] = []
    for i, (word, start) in enumerate(words):
        if i not in fillers | commas and not (kept and word.isalpha() and kept[-1][0].lower() == word.lower()):
            kept.append((word, start))
    return _repaired(kept)


def _repaired(words: list[Word]) -> list[Word]:
    """ "X , <repair cue> , Y" (or "X ... <cue> , Y"): Y replaces what X said. X starts at the last earlier word
    Y starts with ("the living room , sorry , the dining room"); a repair of one word replaces the one word before
    the cue ("left , no , right"). Anything else stays as said."""
    low = [w.lower() for w, _ in words]
    for i in range(1, len(words)):
        if low[i - 1] not in (",", "..."):
            continue
        cue = next((c for c in _REPAIRS if tuple(low[i:i + len(c)]) == c), None)
        after = i + len(cue) + 1 if cue else 0
        if cue is None or after >= len(words) or low[after - 1] != ",":
            continue
        end = next((k for k in range(after, len(words)) if low[k] in (",", ".", "and", "then")), len(words))
        repair = low[after:end]
        start = next((k for k in range(i - 2, -1, -1) if low[k] == repair[0]), None)
        if start is None and len(repair) == 1 and i >= 2 and words[i - 2][0].isalpha():
            start = i - 2
        if start is not None:
            return _repaired(words[:start] + words[after:])
    return words

