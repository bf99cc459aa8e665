"""`RuleParser`: a rule-based task extractor (verb lexicon, coordination, noun phrases, preposition roles).

The simple alternative a robot project would pick: no model, only a hand-curated lexicon
(`data/rules/lexicon.yaml`) and word patterns over the same tokens as the extractor (`spacy.blank("en")`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import DataError
from .files import SafeYamlLoader, describe_validation, read_text
from .parse import UNKNOWN_CLASS, Argument, Attribute, Parse, TaskFrame
from .parser import Words
from .vocabulary import Vocabulary

__all__ = ["Lexicon", "RuleParser"]

# Task types with rules of their own (the lexicon maps words to them; these say how their arguments look).
_ROTATION, _INSPECTING, _FOLLOWING, _CHECKING = "Rotation", "Inspecting", "Following", "Checking_state"
_LOCATED, _CATEGORY, _STATE_TYPE = "Being_located", "Being_in_category", "Changing_operational_state"
_MOTIONS = ("Motion", _ROTATION)  # direction words are Manner, extents ("a step") Degree
_MANNER_TYPES = (*_MOTIONS, _INSPECTING, _FOLLOWING)  # direction and manner words are Manner


class _UniqueKeyLoader(SafeYamlLoader):
    """`yaml.safe_load` that refuses a key written twice in one mapping (the second would silently win)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        repeated = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
        if repeated is not None:
            raise yaml.constructor.ConstructorError(None, None, f"key {repeated!r} written twice", node.start_mark)
        return super().construct_mapping(node, deep=deep)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Cue(_Strict):
    words: tuple[str, ...]
    within: int
    type: str
    clause_end: bool = False
    or_before: tuple[str, ...] = ()   # clause_end: or right before one of these ("turn the tv off in the kitchen")
    not_after: tuple[str, ...] = ()   # a cue word right after one of these is none ("next to": no Bringing "to")


class _Roles(_Strict):
    object: str
    prepositions: dict[str, str]


class _Pronouns(_Strict):
    antecedent: tuple[str, ...]
    people: tuple[str, ...]
    person_nouns: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()          # before a name: "Mr Okafor", "Dr Lee"
    people_roles: dict[str, str]
    agents: tuple[str, ...]
    agent_cues: tuple[str, ...]


class _LexiconFile(_Strict):
    """The schema of `lexicon.yaml` (see the comments in the shipped file)."""

    verbs: dict[str, str]
    cues: dict[str, tuple[_Cue, ...]]
    clause_initial_only: tuple[str, ...]
    clause_starters: tuple[str, ...]
    particles: tuple[str, ...]
    copulas: tuple[str, ...]
    roles: dict[str, _Roles]
    co: dict[str, str]
    manner: tuple[str, ...]
    sides: tuple[str, ...]
    look_directions: tuple[str, ...]
    degree_heads: tuple[str, ...]
    degree_words: tuple[str, ...]
    degree_counts: tuple[str, ...]
    states: tuple[str, ...]
    pronouns: _Pronouns
    determiners: tuple[str, ...]
    kept_determiners: tuple[str, ...]
    predeterminers: tuple[str, ...] = ()  # words before a determiner that start no clause ("both the plates")
    negations: tuple[str, ...] = ()       # a verb right after one is no trigger ("don't take the dry ones")
    gerund_cues: tuple[str, ...] = ()     # a verb's -ing form right after one is its trigger ("mind fetching")
    not_triggers: tuple[str, ...] = ()    # verbs of actions no task type covers: never a trigger of the model's
    stopwords: tuple[str, ...]
    relations: tuple[str, ...]
    areas: tuple[str, ...]
    containers: tuple[str, ...]
    containing_prepositions: tuple[str, ...]
    implicit_theme: tuple[str, ...]
    of_heads: tuple[str, ...]
    synonyms: dict[str, str]
    attributes: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Lexicon:
    """The validated lexicon plus the label inventory it was checked against."""

    data: _LexiconFile
    vocabulary: Vocabulary
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # first word -> trigger phrases, longest first
    prepositions: frozenset[str]  # every word that opens a prepositional phrase for some task type
    attribute_of: dict[str, str]  # word -> attribute type
    closed: frozenset[str]  # words that are never part of a noun phrase's head run

    @classmethod
    def load(cls, path: str | Path, labels: str | Path) -> Lexicon:
        """Read `path` and validate it against the label folder `labels`; a bad file raises `DataError` naming
        the file and the entry.

        Examples
        --------
        >>> Lexicon.load("data/rules/lexicon.yaml", "data/tage/raw/labels").data.verbs["pick up"]
        'Picking'
        """
        try:
            raw = yaml.load(read_text(path), Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
        except yaml.YAMLError as err:
            raise DataError(f"{path}: not YAML ({err})") from err
        if not isinstance(raw, dict):
            raise DataError(f"{path}: a lexicon is a mapping of sections, not {type(raw).__name__}")
        try:
            data = _LexiconFile.model_validate(raw)
        except ValidationError as err:
            raise DataError(f"{path}: {describe_validation(err)}") from err
        vocabulary = Vocabulary.from_dir(labels)
        problems = _label_problems(data, vocabulary)
        if problems:
            raise DataError(f"{path}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1
                                                        else ""))
        prepositions = _all_prepositions(data)
        closed = frozenset((*data.stopwords, *data.determiners, *data.kept_determiners, *data.manner,
                            *data.copulas)) | prepositions
        return cls(data, vocabulary, _phrases(data.verbs), prepositions,
                   {w: kind for kind, words in data.attributes.items() for w in words}, closed)


def _label_problems(data: _LexiconFile, vocab: Vocabulary) -> list[str]:
    """Every lexicon entry whose label is outside the tagE label lists."""
    checks = [(f"verbs.{k!r}", "task type", v, vocab.task_types) for k, v in data.verbs.items()]
    checks += [(f"cues.{k!r}", "task type", c.type, vocab.task_types) for k, cs in data.cues.items() for c in cs]
    for name, roles in data.roles.items():
        if name != "default":
            checks.append((f"roles.{name!r}", "task type", name, vocab.task_types))
        checks.append((f"roles.{name}.object", "role", roles.object, vocab.roles))
        checks += [(f"roles.{name}.prepositions.{p!r}", "role", r, vocab.roles) for p, r in roles.prepositions.items()]
    checks += [(f"co.{k}", "role", r, vocab.roles) for k, r in data.co.items()]
    checks += [(f"pronouns.people_roles.{k}", "role", r, vocab.roles) for k, r in data.pronouns.people_roles.items()]
    checks += [(f"synonyms.{k!r}", "grounding class", c, vocab.classes) for k, c in data.synonyms.items()]
    checks += [(f"attributes.{k}", "attribute type", k, vocab.attributes) for k in data.attributes]
    problems = [f"{where}: unknown {what} {label!r}" for where, what, label, known in checks if label not in known]
    return problems + ([] if "default" in data.roles else ["roles: no 'default' entry"])


def _phrases(verbs: dict[str, str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in verbs:
        words = tuple(phrase.lower().split())
        by_first.setdefault(words[0], []).append(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


def _all_prepositions(data: _LexiconFile) -> frozenset[str]:
    return frozenset(p for roles in data.roles.values() for p in roles.prepositions) | frozenset(
        w for w in data.stopwords if w in {"of", "with", "for", "over", "through", "past", "around", "between"})


@dataclass
class _Task:
    """A task while it is being filled: arguments are (role, start, end, attribute marks)."""

    type: str
    trigger: tuple[int, int]
    group: int  # tasks made by coordination under one trigger share a group
    args: list[tuple[str, int, int, tuple[tuple[str, int, int], ...]]] = field(default_factory=list)

    def roles(self) -> set[str]:
        return {a[0] for a in self.args}

    def add(self, role: str, start: int, end: int, marks: tuple[tuple[str, int, int], ...] = ()) -> None:
        if not any(a[:3] == (role, start, end) for a in self.args):
            self.args.append((role, start, end, marks))


class RuleParser:
    """Extracts task frames with a verb lexicon and word patterns; no model.

    Examples
    --------
    >>> parser = RuleParser.load("data/rules/lexicon.yaml", "data/tage/raw/labels")
    >>> [(t.type, [(a.role, a.span.text) for a in t.arguments]) for t in parser.parse("pick up the red cup").tasks]
    [('Picking', [('Theme', 'red cup')])]
    """

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon

    @classmethod
    def load(cls, path: str | Path, labels: str | Path) -> RuleParser:
        """The parser with the lexicon at `path` checked against the label folder `labels` (the agent layer
        knows where the shipped ones are: `agent.defaults.rule_parser()`)."""
        return cls(Lexicon.load(path, labels))

    def parse(self, instruction: str) -> Parse:
        """The parse of raw user text (spaCy English tokenisation)."""
        return self.parse_many([Words.of(instruction)])[0]

    def parse_many(self, items: Sequence[Words]) -> list[Parse]:
        """Parses of already tokenised instructions."""
        return [_Run(self.lexicon, words).parse() for words in items]

    def parse_n(self, instruction: str, n: int) -> list[Parse]:
        """The rules give one parse, whatever `n`."""
        return [self.parse(instruction)]

    ask_below = None  # the rules give no scores to be unsure about


class _Run:
    """The rules applied to one instruction."""

    def __init__(self, lexicon: Lexicon, words: Words):
        self.lex, self.d, self.words = lexicon, lexicon.data, words
        self.low = [t.lower() for t in words.tokens]
        self.tasks: list[_Task] = []
        self.mentions: list[tuple[str, int, int]] = []  # ("theme" | "place" | "area", start, end), in order
        self.pending: list[tuple[int, int]] = []  # relation words waiting for their noun phrase

    # -- the top level ---------------------------------------------------------------------------------------
    def parse(self) -> Parse:
        base = Parse(instruction=self.words.instruction, tokens=self.words.tokens, offsets=self.words.offsets)
        triggers = self._triggers()
        agents = self._agents(triggers)
        for k, (start, end, kind) in enumerate(triggers):
            stop = triggers[k + 1][0] if k + 1 < len(triggers) else len(self.low)
            self._fill(_Task(kind, (start, end), k), end + 1, stop, agents.get(k))
        self._share_in_groups()
        self._implicit_themes()
        return base.model_copy(update={"tasks": tuple(self._frame(base, t) for t in self.tasks)})

    def _frame(self, base: Parse, task: _Task) -> TaskFrame:
        args = tuple(Argument(role=role, span=base.span(s, e), grounding=self._ground(s, e),
                              attributes=tuple(Attribute(type=k, span=base.span(a, b)) for k, a, b in marks))
                     for role, s, e, marks in task.args)
        return TaskFrame(type=task.type, trigger=base.span(*task.trigger), arguments=args)

    # -- triggers --------------------------------------------------------------------------------------------
    def _triggers(self) -> list[tuple[int, int, str]]:
        found, i = [], 0
        while i < len(self.low):
            hit = self._verb_at(i) or self._copula_at(i)
            if hit:
                found.append(hit)
            i = hit[1] + 1 if hit else i + 1
        return found

    def _verb_at(self, i: int) -> tuple[int, int, str] | None:
        low, prev = self.low, self.low[i - 1] if i else ""
        if (prev in self.d.determiners or prev in self.d.kept_determiners or prev in self.d.copulas
                or prev in self.lex.attribute_of or prev in self.d.negations):
            return None
        if low[i] in self.d.clause_initial_only and self._content(i - 1) and not self._clause_start(i):
            return None
        if low[i] in self.d.gerund_cues and i + 1 < len(low) and self._stem(low[i + 1]) != low[i + 1]:
            return None  # "keep walking": the -ing form after it is the trigger
        words = (self._stem(low[i]) if prev in self.d.gerund_cues else low[i], *low[i + 1 :])
        for phrase in self.lex.phrases.get(words[0], ()):
            if words[: len(phrase)] == phrase:
                end = i + len(phrase) - 1
                return i, end, self._cued(" ".join(phrase), end)
        return None

    def _stem(self, word: str) -> str:
        """The verb of an -ing form the lexicon knows ("fetching" fetch, "closing" close, "putting" put), else the
        word."""
        if not word.endswith("ing"):
            return word
        base = word[:-3]
        for verb in (base, base + "e", base[:-1] if len(base) > 2 and base[-1] == base[-2] else base):
            if verb in self.lex.phrases:
                return verb
        return word

    def _clause_start(self, i: int) -> bool:
        return i == 0 or self.low[i - 1] in self.d.clause_starters

    def _cued(self, phrase: str, end: int) -> str:
        clause = self._clause_after(end)
        for cue in self.d.cues.get(phrase, ()):
            for k, w in enumerate(clause[: cue.within]):
                ends = k == len(clause) - 1 or clause[k + 1] in (*cue.or_before, "and", ",")
                if w in cue.words and not (k and clause[k - 1] in cue.not_after) and (ends or not cue.clause_end):
                    return cue.type
        return self.d.verbs[phrase]

    def _clause_after(self, end: int) -> list[str]:
        """The words after word `end`, up to the next clause boundary: a clause starter, but "and" or a comma before
        another object ("take three plates and four glasses to the table")."""
        words, low = [], self.low
        for k in range(end + 1, len(low)):
            nxt = low[k + 1] if k + 1 < len(low) else ""
            if low[k] in self.d.clause_starters and not (
                    low[k] in ("and", ",") and nxt and nxt not in self.lex.phrases and nxt not in self.d.clause_starters
                    and self._starts_phrase(k + 1 + (nxt in self.d.determiners), len(low))):
                break
            words.append(low[k])
        return words

    def _copula_at(self, i: int) -> tuple[int, int, str] | None:
        low = self.low
        if i == 0:
            return None
        prev = low[i - 1]
        if prev in ("there", "where") and (low[i] in self.d.copulas or low[i] in ("'s", "’s")):
            return i, i, _LOCATED  # "there is a cup on the table", "where's my phone"
        if low[i] not in self.d.copulas:
            return None
        if any(w in ("if", "whether") for w in low[max(0, i - 5) : i]):
            return None  # "check if the door is open": the state of a Checking_state
        if prev in self.d.kept_determiners or prev == "it":
            return (i, i, _CATEGORY) if self._clause_start(i - 1) else None
        after = next((w for w in low[i + 1 :] if w not in self.d.determiners), "")
        if self._content(i - 1) and after in self.d.roles[_LOCATED].prepositions:
            return i, i, _LOCATED
        return None

    def _agents(self, triggers: list[tuple[int, int, str]]) -> dict[int, int]:
        """Trigger number -> index of the "you" of "can you ..." in front of it."""
        found = {}
        for i, w in enumerate(self.low):
            if w in self.d.pronouns.agents and i and self.low[i - 1] in self.d.pronouns.agent_cues:
                k = next((k for k, t in enumerate(triggers) if t[0] > i), None)
                if k is not None:
                    found[k] = i
        return found

    # -- arguments of one trigger's words --------------------------------------------------------------------
    def _fill(self, task: _Task, lo: int, hi: int, agent: int | None) -> None:
        if agent is not None:
            task.add("Agent", agent, agent)
        if task.type == _LOCATED and not self._clause_start(task.trigger[0] - 1):
            self._subject(task)
        self.tasks.append(task)
        prep: str | None = None
        i = lo
        while i < hi:
            if self._starts_conjunct(task, i, hi):
                task = _Task(task.type, task.trigger, task.group)
                self.tasks.append(task)
                prep, i = None, self._skip_conjunction(i, hi)
                continue
            i, prep = self._step(task, i, hi, prep)

    def _subject(self, task: _Task) -> None:
        """The Theme of "the cup is on the table": the noun phrase before the copula."""
        end = task.trigger[0] - 1
        start = end
        while start - 1 >= 0 and self._content(start - 1):
            start -= 1
        if self._content(end):
            self._emit(task, "Theme", start, end)

    def _step(self, task: _Task, i: int, hi: int, prep: str | None) -> tuple[int, str | None]:
        """Consume what starts at word `i`; returns the next word and the open preposition."""
        w = self.low[i]
        for special in (self._state, self._relation, self._manner, self._degree):
            nxt = special(task, i, hi, prep)
            if nxt is not None:
                return nxt, (prep if special == self._relation else None)
        if i == task.trigger[1] + 1 and w in self.d.particles and i + 1 < hi and self._starts_phrase(
                i + 1 if self.low[i + 1] not in self.d.determiners else i + 2, hi):
            return i + 1, None  # "take out the cup"
        possessive = w in self.d.kept_determiners and self._content(i + 1, hi)  # "bring Maria her mug"
        named = self._named_recipient(task, i, hi)
        if (w in self.d.pronouns.people and not possessive) or named is not None \
                or (task.type == _FOLLOWING and w in self.d.pronouns.antecedent):
            end = i if named is None else named
            self._person(task, i, end, prep)
            return end + 1, None
        if w in self.d.pronouns.antecedent and not self._content(i + 1, hi):
            self._pronoun(task, i, prep)
            return i + 1, None
        if w in self.lex.prepositions:
            keep = (w == "of" and prep is not None) or (w == "to" and prep in ("next", "close", "up"))
            return i + 1, (prep if keep else w)  # "out of", "inside of", "next to"
        if self._starts_phrase(i, hi):
            end = self._phrase_end(i, hi)
            if prep is None and self._first_of_two_objects(task, i, end, hi):
                self._emit(task, self.d.pronouns.people_roles[task.type], i, end)
            else:
                self._noun_phrase(task, i, end, prep)
            return end + 1, None
        return i + 1, prep

    def _first_of_two_objects(self, task: _Task, start: int, end: int, hi: int) -> bool:
        """"give the kids a cookie": a person (`_someone`) right after a trigger that takes one, with another object
        right after, is that person."""
        after = end + 2 if end + 1 < hi and self.low[end + 1] in self.d.determiners else end + 1
        return (task.type in self.d.pronouns.people_roles and start <= task.trigger[1] + 2
                and self._someone(start, end) and self._starts_phrase(after, hi))

    def _named_recipient(self, task: _Task, i: int, hi: int) -> int | None:
        """"bring Tom a soda", "give Anna the cup", "bring Mr Okafor his glasses": capitalised words no object is
        called (a title and a name at most), right after a trigger that takes a person and before a determiner (or
        "her", "this") and a noun, are the person (the first of two objects; a word in lower case there may be an
        adverb: "bring upstairs the towels"); where they end, else None."""
        tokens = self.words.tokens
        end = i + 1 if self.low[i] in self.d.pronouns.titles and i + 1 < hi and tokens[i + 1][:1].isupper() else i
        named = (i == task.trigger[1] + 1 and task.type in self.d.pronouns.people_roles
                 and tokens[i][:1].isupper() and self._content(end, hi) and self.low[end] not in self.d.synonyms
                 and end + 2 < hi and self.low[end + 1] in (*self.d.determiners, *self.d.kept_determiners)
                 and self._content(end + 2, hi))
        return end if named else None

    def _starts_phrase(self, i: int, hi: int) -> bool:
        """A noun phrase starts here: a content word, or "my"/"the left" before one."""
        if i >= hi:
            return False
        w, prev = self.low[i], self.low[i - 1] if i else ""
        return self._content(i, hi) or (self._content(i + 1, hi) and (
            w in self.d.kept_determiners or (w in self.d.manner and prev in self.d.determiners)))

    def _content(self, i: int, hi: int | None = None) -> bool:
        if i < 0 or i >= (len(self.low) if hi is None else hi):
            return False
        w = self.low[i]
        return any(c.isalnum() for c in w) and w not in self.lex.closed

    def _phrase_end(self, i: int, hi: int) -> int:
        end = i
        while True:
            if self._content(end + 1, hi):
                end += 1
            elif (end + 2 < hi and self.low[end + 1] == "and" and self.low[end] in self.lex.attribute_of
                  and self._content(end + 2, hi)):
                end += 2  # "brown and white dresser"
            elif end + 1 < hi and " ".join(self.low[end : end + 2]) in self.d.synonyms:
                end += 1  # "trash can": a known compound across a function word
            elif end + 2 < hi and self.low[end + 1] == "of" and self.low[end] in self.d.of_heads and self._content(
                    end + 2, hi):
                end += 2  # "bottle of water"
            else:
                return end

    # -- coordination ----------------------------------------------------------------------------------------
    def _starts_conjunct(self, task: _Task, i: int, hi: int) -> bool:
        """"and (then) <object>" after a filled task starts another task of the same trigger. After an attribute
        word only when a determiner follows: a noun that can be one ("the glass and the knife", "the paper and
        the pen"), not a list of attributes ("the brown and white dresser", "the big, heavy box"). A word right
        before a determiner is a verb the lexicon lacks ("then wipe the table"), no object, unless it is a
        predeterminer ("and both the plates")."""
        if self.low[i] not in ("and", "then", ","):
            return False
        j = self._skip_conjunction(i, hi)
        if i and self.low[i - 1] in self.lex.attribute_of and not (j < hi and self.low[j] in self.d.determiners):
            return False
        before = self.low[task.trigger[1] : i]
        if j >= hi or "between" in before or (task.type in (_CATEGORY, _FOLLOWING) and "with" in before):
            return False
        if task.type in _MOTIONS:
            k = j + 1 if self.low[j] == "to" else j
            k = k + 1 if k < hi and self.low[k] in self.d.determiners else k
            return k < hi and self.low[k] in self.d.manner and "Manner" in task.roles()
        k = j + 1 if self.low[j] in (*self.d.determiners, *self.d.kept_determiners) else j
        if (k == j and k + 1 < hi and self.low[k + 1] in (*self.d.determiners, *self.d.kept_determiners)
                and self.low[k] not in self.d.predeterminers):
            return False  # "then wipe the table": a verb the lexicon lacks starts a clause of its own, not an object
        obj = self._object_role(task)
        return self._content(k, hi) and obj in task.roles()

    def _skip_conjunction(self, i: int, hi: int) -> int:
        while i < hi and self.low[i] in ("and", "then", ","):
            i += 1
        return i

    def _share_in_groups(self) -> None:
        """A conjunct with no place of its own takes the next conjunct's ("pick the cup and the bowl from it"); what
        the first conjunct says before its object, the Agent, a Recipient or a state, holds for every object of the
        list ("bring me the cup and the bowl", "turn off the oven and the stove"), as tagE annotates it, and so
        does a state said after it ("turn the oven off and the stove")."""
        for a, b in zip(self.tasks, self.tasks[1:], strict=False):
            if a.group != b.group:
                continue
            obj = self._object_role(a)
            own = {"Theme", "Manner", "Degree", "Agent", obj}
            if not (a.roles() - own):
                for arg in b.args:
                    if arg[0] not in own:
                        a.add(*arg)
            first = min((arg[1] for arg in a.args if arg[0] == obj), default=None)
            before = [arg for arg in a.args if arg[0] not in b.roles() and (
                arg[0] == "Agent" or (first is not None and arg[1] < first))]
            b.args[:0] = before  # said before b's own words: first, in the order of the sentence
            b.args += [arg for arg in a.args if arg[0] == "Operational_state" and arg[0] not in b.roles()]

    def _implicit_themes(self) -> None:
        """"pick the bowl and then place on the table": a Placing or Bringing with no Theme moves the last one."""
        last = None
        for task in self.tasks:
            themes = [a for a in task.args if a[0] == "Theme"]
            if not themes and last is not None and task.type in self.d.implicit_theme:
                task.add(*last)
            last = themes[-1] if themes else last

    # -- special words ---------------------------------------------------------------------------------------
    def _state(self, task: _Task, i: int, hi: int, prep: str | None) -> int | None:
        if task.type == _CHECKING and self.low[i] in self.d.copulas and i + 1 < hi:
            task.add("Desired_state", i + 1, i + 1)  # "see if the radio is on"
            return i + 2
        if task.type != _STATE_TYPE or self.low[i] not in self.d.states:
            return None
        if i != task.trigger[1] + 1 and self._content(i + 1, hi):
            return None
        task.add("Operational_state", i, i)
        return i + 1

    def _manner(self, task: _Task, i: int, hi: int, prep: str | None) -> int | None:
        yours = i > 0 and self.low[i - 1] == "your"  # "on your left" is Manner even after a Goal
        side = self.low[i] in self.d.sides and "Goal" in task.roles()
        if task.type not in _MANNER_TYPES or not (yours or (not side and prep in (None, "to", "towards"))):
            return None
        words = self.d.manner + (self.d.look_directions if task.type == _INSPECTING else ())
        end = i + 1 if " ".join(self.low[i : i + 2]) in words and i + 1 < hi else i
        after = self.low[end + 1] if end + 1 < hi else ""
        if self.low[i] not in words or (self._content(end + 1, hi) and after not in self.d.degree_counts) or (
                after in self.d.determiners and self.low[i] in self.lex.prepositions):
            return None  # "right side", "around the table"
        start = i - 1 if yours else i
        task.add("Manner", start, end)
        if start < i:
            task.add("Agent", start, start)
        return end + 1

    def _degree(self, task: _Task, i: int, hi: int, prep: str | None) -> int | None:
        if self.low[i] in self.d.degree_words:
            task.add("Degree", i, i)
            return i + 1
        if task.type not in _MOTIONS or prep is not None:
            return None
        j = i
        while j < hi and (self.low[j] in self.d.degree_counts or self.low[j].isdigit()):
            j += 1
        if j < hi and self.low[j] in self.d.degree_heads:
            task.add("Degree", i, j)
            return j + 1
        return None

    def _relation(self, task: _Task, i: int, hi: int, prep: str | None) -> int | None:
        """ "top of", "the right side of": location words before "of" mark the next noun phrase."""
        j = i
        while j < hi and self.low[j] in self.d.relations:
            j += 1
        if j == i or j >= hi or self.low[j] != "of":
            return None
        self.pending.append((i, j - 1))
        return j + 1

    def _pronoun(self, task: _Task, i: int, prep: str | None) -> None:
        kinds = ("theme", "place") if prep is None else ("place", "theme")
        mine = {(s, e) for t in self.tasks if t.group == task.group for r, s, e, _ in t.args if r == "Theme"}
        for kind in kinds:
            found = next((m for m in reversed(self.mentions) if m[0] == kind and m[1:] not in mine), None)
            if found:
                self._noun_phrase(task, found[1], found[2], prep, mention=False)
                return

    def _person(self, task: _Task, i: int, end: int, prep: str | None) -> None:
        role = self.d.pronouns.people_roles.get(task.type)
        if role and prep in (None, "to", "for", "with"):
            task.add(role, i, end)

    # -- noun phrases ----------------------------------------------------------------------------------------
    def _object_role(self, task: _Task) -> str:
        return self._roles(task).object

    def _roles(self, task: _Task) -> _Roles:
        return self.d.roles.get(task.type, self.d.roles["default"])

    def _noun_phrase(self, task: _Task, start: int, end: int, prep: str | None, mention: bool = True) -> None:
        roles = self._roles(task)
        role = roles.object if prep is None else roles.prepositions.get(prep)
        if prep == "to" and self._someone(start, end):
            role = self.d.pronouns.people_roles.get(task.type, role)  # "bring the mug to the person by the door"
        if prep is None and role in task.roles() and task.type != _CATEGORY:
            role = None  # one object per task; a second bare phrase is a stray
        marks = self._marks(task, start, end)
        if role is None:
            return
        role = self.d.co.get(role, role) if role in task.roles() and role in self.d.co else role
        self._emit(task, role, start, end, marks)
        self._extra_roles(task, role, start, end, prep)
        if mention:
            self._remember(role, start, end)

    def _someone(self, start: int, end: int) -> bool:
        """Whether the phrase names a person: its head a person noun ("the person", "my mom", "the user") or a
        capitalised name no object is called ("Angel")."""
        head = self.low[end]
        if head in self.d.pronouns.person_nouns or self._singular(head) in self.d.pronouns.person_nouns:
            return True
        return start == end and self.words.tokens[start][:1].isupper() and head not in self.d.synonyms \
            and head not in self.d.areas and head.replace(" ", "_") not in self.lex.vocabulary.classes

    def _emit(self, task: _Task, role: str, start: int, end: int, marks: tuple = ()) -> None:
        task.add(role, start, end, marks)
        if task.type == _CATEGORY and role == "Theme":
            head = self._known_ending(start, end)
            if head > start:
                task.add("Category", start, head - 1)
        if role == "Theme":
            self.mentions.append(("theme", start, end))

    def _known_ending(self, start: int, end: int) -> int:
        """Where the longest known noun ("living room", "coffee table") at the end of a phrase starts."""
        known = self.d.synonyms.keys() | set(self.d.areas)
        for k in range(start, end):
            phrase = " ".join(self.low[k : end + 1])
            if phrase in known or phrase.replace(" ", "_") in self.lex.vocabulary.classes:
                return k
        return end

    def _extra_roles(self, task: _Task, role: str, start: int, end: int, prep: str | None) -> None:
        text = " ".join(self.low[start : end + 1])
        if task.type != _ROTATION and role in ("Goal", "Source", "coGoal", "coSource") and (
                text in self.d.areas or self._singular(self.low[end]) in self.d.areas):
            task.add("Area", start, end)
        if (prep in self.d.containing_prepositions and role in ("Goal", "Source")
                and self._singular(self.low[end]) in self.d.containers):
            task.add("Containing_object", start, end)

    def _remember(self, role: str, start: int, end: int) -> None:
        if role in ("Goal", "Source", "coGoal", "coSource", "Container_portal", "Device"):
            text = " ".join(self.low[start : end + 1])
            self.mentions.append(("area" if text in self.d.areas else "place", start, end))

    def _marks(self, task: _Task, start: int, end: int) -> tuple[tuple[str, int, int], ...]:
        relation = "PoseModifier" if task.type in _MOTIONS else "Relation"
        marks = [(relation, a, b) for a, b in self.pending]
        self.pending = []
        marks += [(self.lex.attribute_of[self.low[k]], k, k) for k in range(start, end)
                  if self.low[k] in self.lex.attribute_of]
        return tuple(marks)

    # -- grounding -------------------------------------------------------------------------------------------
    def _ground(self, start: int, end: int) -> str:
        """The detector class of a span: the longest known ending of its words (synonym or class name)."""
        words = self.low[start : end + 1]
        classes = self.lex.vocabulary.classes
        for k in range(len(words)):
            phrase = " ".join(words[k:])
            for candidate in dict.fromkeys((phrase, self._singular(phrase))):
                if candidate in self.d.synonyms:
                    return self.d.synonyms[candidate]
                if candidate.replace(" ", "_") in classes:
                    return candidate.replace(" ", "_")
        for word in reversed(words[:-1]):  # "apple slice", "sofa seat": an earlier word names the object
            if word in self.d.synonyms or word in classes:
                return self.d.synonyms.get(word, word)
        return UNKNOWN_CLASS

    @staticmethod
    def _singular(word: str) -> str:
        if word.endswith(("ches", "shes", "xes", "sses", "toes")):
            return word[:-2]
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith(("ss", "us")) and len(word) > 3:
            return word[:-1]
        return word
