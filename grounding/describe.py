"""Reading the words of an argument into a `Description`: head nouns, attributes, states, relations, references."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .lexicon import Lexicon

__all__ = ["Relation", "Description", "describe", "normalise", "relation_before", "quantity_before", "tail_words",
           "first_phrase"]

_PUNCT = ".,;:!?\"'()[]"
_NOT_OWNERS = frozenset({"that", "it", "which", "who", "there", "what", "here", "one"})  # "that's on": is
_COPULAS = frozenset({"is", "are", "was", "were", "be", "stays", "still"})
_NEGATIONS = frozenset({"not", "n't", "isn't", "aren't", "isnt", "arent", "never", "no"})
_DETERMINERS = frozenset({"the", "of", "these", "those", "my", "your", "our", "its", "their"})
# words that end the relation phrase after a span ("the mug on the left for me": "for me" says for whom, not where)
_BREAKS = frozenset({"and", "then", "but", "or", "before", "after", "while", "for", "please", "so"})


@dataclass(frozen=True)
class Relation:
    """A relation the described node must (or, negated, must not) stand in to a landmark."""

    predicates: tuple[str, ...]          # any of them will do ("next_to", "near")
    landmark: Description
    negated: bool = False                # "the mug that is not in the sink"


@dataclass(frozen=True)
class Description:
    """What a noun phrase says about the node it means."""

    words: tuple[str, ...]                                   # content words of the head part
    heads: tuple[str, ...] = ()                              # head phrases, longest first ("coffee mug", "mug")
    attributes: tuple[tuple[str, str], ...] = ()             # ("color", "red")
    states: tuple[tuple[str, object], ...] = ()              # ("open", True)
    relations: tuple[Relation, ...] = ()
    person: str | None = None                                # a person node named by a word ("me" -> "user")
    pronoun: str | None = None                               # "object" or "place" for it / there
    robot: bool = False                                      # "you", "robot"
    quantity: int | str | None = None                        # a set is asked for: a number, or "all"
    contents: tuple[str, ...] = ()                           # what a container holds ("a glass of water": water)
    excluded: tuple[tuple[str, object], ...] = ()            # attributes and states it must not have ("not red")

    @property
    def noun(self) -> str:
        """The word to use in a question ("mug")."""
        return self.heads[-1] if self.heads else "one"


def normalise(token: str) -> str:
    """A token lower-cased without surrounding punctuation."""
    return token.strip(_PUNCT).lower()


def describe(tokens: list[str], lexicon: Lexicon, marks: dict[str, str] | None = None) -> Description:
    """The description of an argument's words; `marks` are words the parse marked as stating an attribute
    (word -> attribute: "turquoise" -> "color"), read as attributes even where the lexicon does not know them.

    Examples
    --------
    >>> from grounding.lexicon import default_lexicon
    >>> d = describe("the red mug next to the sink".split(), default_lexicon())
    >>> d.heads, d.attributes, d.relations[0].predicates
    (('mug',), (('color', 'red'),), ('next_to', 'near'))
    >>> d = describe("two glasses of water".split(), default_lexicon())
    >>> d.heads, d.relations, d.quantity, d.contents
    (('glasses',), (), 2, ('water',))
    """
    words = _partitive_dropped([w for w in (normalise(t) for t in _possessives_joined(tokens)) if w], lexicon)
    reference = _reference(words, lexicon)
    if reference is not None:
        return reference
    portion = _portion(words, lexicon, marks)
    if portion is not None:
        return portion
    for i in range(1, len(words)):
        found = None if lexicon.inside_phrase(words, i) else lexicon.relation_at(words, i)
        if found and lexicon.attribute(words[i]) and not _content(words[:i], lexicon):
            continue  # a word before the noun: "the nearest cup" is a cup nearest the robot, not near a cup
        if not found:
            continue
        rest, after = _content(words[i + found[0]:], lexicon), words[i + found[0]:]
        cut = next((m for m in range(1, len(after)) if lexicon.relation_at(after, m)
                    and not lexicon.inside_phrase(after, m)), len(after))
        held = _content(after[:cut], lexicon)   # up to a place said after it: "the jar of screws [on the shelf]"
        if held and "part_of" in found[1] and (all(w in lexicon.substances for w in held) or (
                held[0] == after[0] and not lexicon.attribute(held[0]))):
            # "a glass of water", "a jar of screws", "the vial of insulin" (no determiner after "of", no attribute
            # word as in "a cup of glass"): it holds them, or is named for them ("insulin vial")
            holder = describe(words[:i] + after[cut:], lexicon, marks) if cut < len(after) else \
                _head(words[:i], lexicon, marks)
            return replace(holder, contents=tuple(held))
        if rest:
            landmark = describe(words[i + found[0]:], lexicon, marks)
            negated = words[i - 1] in _NEGATIONS
            head = _head(words[:i - 1] if negated else words[:i], lexicon, marks)
            stated = [lexicon.attribute(w) for w in landmark.words]
            if stated and all(stated) and not landmark.relations:
                # "the desk on the left", "a cup of glass": attributes of the head, not a landmark
                return replace(head, attributes=head.attributes + tuple(stated))
            return replace(head, relations=(Relation(found[1], landmark, negated),) + head.relations)
    return _excluding(words, lexicon, marks)


def _excluding(words: list[str], lexicon: Lexicon, marks: dict[str, str] | None) -> Description:
    """The head of the words before a negation, and the attributes and states stated after it as ones the node must
    not have: "the mug that is not red", "the mug, not the red one", "the drawer that isn't open", a reply "not the
    red one". Words after the negation that name a thing rather than state something of it ("the cup, not the
    mug", "a cup with no lid") narrow nothing."""
    at = next((i for i, w in enumerate(words) if w in _NEGATIONS and w != "no"), None)  # "a cup with no lid"
    excluded = None if at is None else _stated(words[at + 1:], lexicon, marks)
    if not excluded:
        return _head(words[:at] if at is not None and _content(words[:at], lexicon) else words, lexicon, marks)
    return replace(_head(words[:at], lexicon, marks), excluded=excluded)


def _stated(words: list[str], lexicon: Lexicon, marks: dict[str, str] | None) -> tuple[tuple[str, object], ...]:
    """The attributes and states the content words state, or () when one of them states neither."""
    stated: list[tuple[str, object]] = []
    for word in _content(words, lexicon):
        attribute = _attribute(word, lexicon, marks)
        if attribute:
            stated.append(attribute)
        elif word in lexicon.states:
            stated.extend(lexicon.states[word].items())
        else:
            return ()
    return tuple(stated)


def _attribute(word: str, lexicon: Lexicon, marks: dict[str, str] | None) -> tuple[str, str] | None:
    """The attribute a word states: by the lexicon, or by the parse's mark on it ("turquoise": color), unless the
    lexicon knows the word as a state ("dirty" marked a colour is still a state)."""
    attribute = lexicon.attribute(word)
    if attribute is None and marks and word in marks and word not in lexicon.states:
        return marks[word], word
    return attribute


def _possessives_joined(tokens: list[str]) -> list[str]:
    """ "teacher", "'s" (how the tokenizer splits "teacher's", or "teacher’s") -> "teacher's", as a map names "the
    teacher's desk"; after "that", "it" ... the "'s" is "is" ("the lamp that's on")."""
    out: list[str] = []
    for token in tokens:
        if token in ("'s", "’s") and out:
            out[-1:] = [out[-1], "is"] if out[-1].lower() in _NOT_OWNERS else [out[-1] + "'s"]  # "that's on"
        else:
            out.append(token)
    return out


def first_phrase(tokens: list[str], lexicon: Lexicon) -> list[str]:
    """The tokens of a person's span before a possessive ("his", "her", "their") right after a noun: "Mr Okafor his
    glasses", tagged as one Recipient, names the person; "the picture on his desk" stays whole."""
    words = [normalise(t) for t in tokens]
    for k in range(1, len(words)):
        if (words[k] in lexicon.pronouns.possessive and _content(words[k - 1:k], lexicon)
                and lexicon.relation_at(words, k - 1) is None):
            return tokens[:k]
    return tokens


def _partitive_dropped(words: list[str], lexicon: Lexicon) -> list[str]:
    """"all of the plates", "a couple of apples": the "of" after a quantifier is no relation."""
    return [w for i, w in enumerate(words) if not (w == "of" and i and words[i - 1] in lexicon.quantities)]


def _portion(words: list[str], lexicon: Lexicon, marks: dict[str, str] | None) -> Description | None:
    """"a slice of bread": the description of "bread" whose first head is "bread slice" (a node named so), then
    the bread's own heads; None when the words are not <portion> of <thing>."""
    content = _content(words, lexicon)
    if len(content) < 3 or content[1] != "of":
        return None
    portion = content[0][:-1] if lexicon.plural(content[0]) else content[0]  # "two pieces of cake"
    if portion not in lexicon.portions:
        return None
    after = words[words.index("of") + 1:]
    if after and after[0] != content[2]:
        return None  # "a piece of the puzzle", "the sheet of the bed": a part of a thing, not a portion of it
    thing = describe(content[2:], lexicon, marks)
    if not thing.heads:
        return None
    return replace(thing, heads=(f"{thing.heads[0]} {portion}", *thing.heads),
                   quantity=thing.quantity or lexicon.quantity(words))


def _content(words: list[str], lexicon: Lexicon) -> list[str]:
    return [w for w in words if not lexicon.is_stopword(w)]


def _reference(words: list[str], lexicon: Lexicon) -> Description | None:
    content = _content(words, lexicon) or words
    if len(content) != 1:
        return None
    word = content[0]
    if word in lexicon.pronouns.object:
        return Description((word,), pronoun="object")
    if word in lexicon.pronouns.place:
        return Description((word,), pronoun="place")
    if word in lexicon.self_words and not lexicon.person(word):
        return Description((word,), robot=True)
    return None


def _head(words: list[str], lexicon: Lexicon, marks: dict[str, str] | None = None) -> Description:
    content = _content(words, lexicon)
    person = next((lexicon.person(w) for w in content if lexicon.person(w)), None)
    attributes, states, rest = [], [], []
    # "the red one": no noun, "red" is an attribute; "the lamp that is on": a state after a copula is no noun
    noun_last = bool(content) and words[-1] == content[-1] and not _stated_after_copula(words, lexicon)
    for i, word in enumerate(content):
        last = noun_last and i == len(content) - 1
        attribute = None if last else _attribute(word, lexicon, marks)
        if attribute and attribute[0] == "owner" and person:
            person = None  # "my phone": an owner, not the person
        if attribute:
            attributes.append(attribute)
        elif not last and word in lexicon.states:
            states.extend(lexicon.states[word].items())
        elif not (person and lexicon.person(word)):
            rest.append(word)
    heads = tuple(" ".join(rest[i:]) for i in range(len(rest)) if not lexicon.inside_phrase(rest, i))
    return Description(tuple(content), heads, tuple(attributes), tuple(states), (), person,
                       quantity=lexicon.quantity(words))


def _stated_after_copula(words: list[str], lexicon: Lexicon) -> bool:
    """Whether the words end in a state word right after a copula, negated or not ("... that is on", "... that's
    open", "... that isn't on")."""
    before = words[:-2] if len(words) > 2 and words[-2] in _NEGATIONS else words[:-1]
    return bool(before) and words[-1] in lexicon.states and before[-1] in _COPULAS


def relation_before(tokens: list[str], start: int, lexicon: Lexicon) -> tuple[str, ...] | None:
    """The predicates of the relation phrase just before word `start` ("... next to the [sink]").

    A negated phrase ("... not in the [sink]") comes back with "not" first: ("not", "in").
    """
    words = [normalise(t) for t in tokens[:start]]
    end = len(words)
    while end and lexicon.is_stopword(words[end - 1]) and words[end - 1] not in lexicon.relations:
        end -= 1
    for n in range(min(4, end), 0, -1):
        found = lexicon.relation_at(words[end - n:end], 0)
        if found and found[0] == n:
            negated = end - n > 0 and words[end - n - 1] in _NEGATIONS
            return ("not", *found[1]) if negated else found[1]
    return None


def quantity_before(tokens: list[str], start: int, lexicon: Lexicon) -> int | str | None:
    """The quantifier just before word `start` that the argument's span left out ("open all the [drawers]",
    "both of the [cups]"), or None."""
    words = [normalise(t) for t in tokens[max(0, start - 3):start]]
    while words and words[-1] in _DETERMINERS:
        words.pop()
    return lexicon.quantity(words[-1:]) if words else None


def tail_words(tokens: list[str], end: int, taken: set[int], lexicon: Lexicon) -> list[str]:
    """The relation phrase right after an argument span that no other argument covers ("[the mug] on the counter").

    Stops at a word in `taken` (another argument or a trigger) or at "and" / "then" / a comma, unless a negation
    follows (", not the red one"); returns [] when the words start with neither a relation phrase nor a negation,
    or name nothing.
    """
    words = []
    for i in range(end + 1, len(tokens)):
        word = "is" if tokens[i] in ("'s", "’s") and tokens[i - 1].lower() in _NOT_OWNERS else normalise(tokens[i])
        if i in taken:
            break
        if not word or word in _BREAKS or tokens[i] in (",", ";"):
            if i + 1 not in taken and i + 1 < len(tokens) and normalise(tokens[i + 1]) in _NEGATIONS:
                continue  # "the mug, not the red one", "the mug but not the red one": the negation goes with it
            break
        words.append(word)
    while words and (lexicon.is_stopword(words[-1]) or lexicon.relation_at(words, len(words) - 1)) \
            and not _stated_after_copula(words, lexicon):   # "the laptop that's on": a state, not a relation
        words.pop()
    first = next((i for i, w in enumerate(words) if not lexicon.is_stopword(w) or w in lexicon.relations), None)
    relation = lexicon.relation_at(words, first) if first is not None else None
    if first is not None and _stated_after_copula(words[:first + 1], lexicon) and first == len(words) - 1:
        return words[first - 1:]   # "the laptop that's on", "the drawer that is open": a state, with its copula
    if first is None or not relation and words[first] not in _NEGATIONS:
        return []
    if relation and not _content(words[first + relation[0]:], lexicon):
        return []  # its landmark is another argument's ("the cup nearest to [the window]"): that one narrows
    return words[first:]
