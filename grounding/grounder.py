"""Grounding a parse: each task to a skill, each argument to one scene node, or a clarification, or an error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from decoding.parse import Argument, Parse, TaskFrame

from .describe import Description, describe, first_phrase, normalise, quantity_before, relation_before, tail_words
from .lexicon import Lexicon
from .match import KIND_FILTER, Match, Matcher
from .question import clarification_question, describe_node
from .result import Binding, Clarification, GroundingErrorItem, GroundingWarning, TaskGrounding
from .scene import SceneGraph
from .skills import Parameter, Skill, SkillLibrary
from .state import STATE_KEYS, WorldState
from .vocabulary import OpenVocabulary

__all__ = ["Grounder", "Grounded", "cannot_fill", "beside"]

_ANY_RELATION = ("on", "in", "part_of", "next_to", "near", "under")
_LOCATION_ROLES = ("Goal", "Source", "Area", "coGoal", "coSource")
_SOURCE_ROLES = ("Source", "coSource")   # where a thing is, not where it goes
_GOAL_ROLES = ("Goal", "coGoal")   # where things go: their words do not say where the things are
_NOT_FITTING = ("object_not_found", "description_mismatch")
# words that end a list after a span: where it goes, for whom, what comes next ("the salt and pepper to the table")
_AFTER_A_LIST = frozenset({"to", "from", "for", "with", "at", "then", "please", "before", "after", "so"})
_NOUN_AFFORDANCES = ("receptacle", "container")   # "it is not a receptacle"; the others read "it is not pickable"
_CONJUNCTIONS = frozenset({"and", ",", "&", "plus"})   # between the parts of a span naming several things
_SWITCHING = "toggleable"          # the affordance of a parameter that switches things (switch_on, switch_off)


@dataclass(frozen=True)
class _Outcome:
    """What one argument grounded to: one node (bound), several (ambiguous) or none (error)."""

    nodes: tuple[str, ...]
    score: float = 0.0
    code: str | None = None
    message: str = ""
    nearest: tuple[str, ...] = ()
    refers_to: int | None = None
    asked: bool = False          # the ambiguity was already put to the user at its first mention
    reported: bool = False       # its error was already reported at its first mention (a repeated span)
    noun: str = "one"
    warning: str = ""            # a qualifier that could not be checked (said once, at the first mention)
    many: bool = False           # `nodes` is a set to act on one by one ("all the plates"), not a choice
    description: Description | None = None  # what the words say, marks included (a pronoun: its antecedent's)
    listed: tuple[str, ...] = ()  # the things a span lists ("the salt and pepper"), every one of which must fit


@dataclass
class Grounded:
    """The grounding of every task of a parse, before planning."""

    tasks: list[TaskGrounding] = field(default_factory=list)
    clarifications: list[Clarification] = field(default_factory=list)
    errors: list[GroundingErrorItem] = field(default_factory=list)
    warnings: list[GroundingWarning] = field(default_factory=list)


@dataclass
class _ParseState:
    """Per-parse memory: earlier mentions for coreference, outcomes by span for repeated spans, states changed."""

    parse: Parse
    world: WorldState          # the scene's states as the earlier tasks of the parse leave them (open, on, sliced)
    mentions: list[tuple[int, str, _Outcome]] = field(default_factory=list)   # (task, role, outcome)
    by_span: dict[tuple[int, int], tuple[int, _Outcome]] = field(default_factory=dict)
    out: Grounded = field(default_factory=Grounded)


class Grounder:
    """Grounds parses against one scene and one skill library (build once, call `ground` per parse).

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> from grounding.scene import SceneGraph
    >>> from grounding.skills import SkillLibrary
    >>> parse, _ = read_row("pick up the mug", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}],
    ...     "objects": [{"id": "mug_1", "class": "cup", "name": "mug", "room": "k", "affordances": ["pickable"]}]})
    >>> lib = SkillLibrary.from_dict({"skills": [{"name": "pick", "task_types": ["Picking"],
    ...     "parameters": [{"name": "object", "roles": ["Theme"], "required": True, "requires": ["pickable"]}]}]})
    >>> Grounder(scene, lib).ground(parse).tasks[0].bindings[0].node
    'mug_1'
    """

    def __init__(self, scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon | None = None,
                 ask_below: float | None = None, vocabulary: OpenVocabulary | None = None) -> None:
        from .lexicon import default_lexicon
        self.scene, self.library = scene, library
        # an argument the extractor scored below this probability is confirmed with the user, not acted on
        self.ask_below = ask_below
        self.lexicon = lexicon or default_lexicon()
        self.matcher = Matcher(scene, self.lexicon, vocabulary)  # vocabulary: names by meaning too (embeddings)
        self._order = {role: k for k, role in enumerate(self.lexicon.narrows)}

    def ground(self, parse: Parse) -> Grounded:
        """Ground every task of `parse` in order (later tasks may refer back to earlier ones)."""
        state = _ParseState(parse, WorldState.initial(self.scene, self.lexicon))
        self.matcher.prepare(describe(list(parse.tokens[a.span.start:a.span.end + 1]), self.lexicon)
                             for t in parse.tasks for a in t.arguments)
        for index, task in enumerate(parse.tasks):
            state.out.tasks.append(self._task(index, task, state))
            self._changed(state.out.tasks[-1], state.world)
        return state.out

    def _changed(self, task: TaskGrounding, world: WorldState) -> None:
        """The states a grounded task's goals set (open, on, sliced), for the tasks after it to see: "open the
        drawer ... then close the drawer" closes the one it opened."""
        skill = self.library.skills.get(task.skill) if task.status == "grounded" and task.skill else None
        for goal in skill.goals if skill else ():
            if goal.name in STATE_KEYS and all(a in task.parameters for a in goal.args):
                world.apply(goal, task.parameters)

    # -- tasks ------------------------------------------------------------------------------------------------
    def _task(self, index: int, task: TaskFrame, st: _ParseState) -> TaskGrounding:
        skill = self.library.for_task(task.type, self._cue_words(task, st.parse))
        if skill is None:
            st.out.errors.append(GroundingErrorItem(task=index, code="no_skill",
                                                    message=f"no skill grounds task type {task.type!r}"))
        params = self._assign(task, skill, st.parse)
        outcomes = self._ground_arguments(index, task, skill, params, st)
        self._back_resolve(task, outcomes, st)
        return self._finish(index, task, skill, params, outcomes, st)

    def _cue_words(self, task: TaskFrame, parse: Parse) -> list[str]:
        value_roles = self._value_roles(task)
        spans = [task.trigger] + [a.span for a in task.arguments if a.role in value_roles]
        return [normalise(w) for s in spans for w in parse.tokens[s.start:s.end + 1]]

    def _value_roles(self, task: TaskFrame) -> set[str]:
        """Roles whose words are a value for some skill of the task's type ("closed" to check a state)."""
        return {r for s in self.library.by_task_type.get(task.type, ()) for p in s.parameters if p.kind == "value"
                for r in p.roles}

    def _assign(self, task: TaskFrame, skill: Skill | None, parse: Parse) -> list[Parameter | None]:
        """The parameter each argument fills; a second argument for a filled parameter narrows the first, and so
        does one after a negated relation ("the mug that is not on [the counter]" is not taken from there). One
        that only describes another (`_describes`) fills none."""
        taken, out = set(), []
        for k, arg in enumerate(task.arguments):
            negated = (relation_before(list(parse.tokens), arg.span.start, self.lexicon) or ("",))[0] == "not"
            skip = negated or self._describes(task, k, parse) is not None
            param = skill.parameter_for(arg.role) if skill and not skip else None
            out.append(param if param and param.name not in taken else None)
            if param:
                taken.add(param.name)
        return out

    def _ground_arguments(self, index: int, task: TaskFrame, skill: Skill | None, params: list, st: _ParseState
                          ) -> dict[int, _Outcome]:
        order = sorted(range(len(task.arguments)), key=lambda k: self._order.get(task.arguments[k].role, 99))
        outcomes: dict[int, _Outcome] = {}
        for k in order:
            arg, param = task.arguments[k], params[k]
            if (param and param.kind == "value") or not self._groundable(arg, param, task, k, st.parse):
                continue
            outcome = self._argument(index, task, arg, param, st)
            outcome = self._narrowed(task, k, outcome, outcomes, st.parse)
            outcome = self._switched(task, k, param, outcome, outcomes, st.parse)
            landmark = beside(st.parse.tokens, arg.span.start, self.lexicon)
            afforded = self._afforded(outcome, param, landmark)
            if afforded.code == "affordance_violation" and afforded.refers_to is not None:
                afforded = self._fitting_antecedent(index, param, st) or afforded
            outcome = self._listed(self._counted(afforded), param)
            outcomes[k] = self._preferred(outcome, arg, skill, param, outcomes, st)
        return self._not_itself(params, outcomes)

    @staticmethod
    def _not_itself(params: list, outcomes: dict[int, _Outcome]) -> dict[int, _Outcome]:
        """A place or person bound to the very thing the task moves is refused ("bring Mr Okafor's bag to Priya"
        parsed with the bag as Recipient too): nothing is put on, in or handed to itself."""
        one = lambda k: outcomes[k].nodes[0] if k in outcomes and len(outcomes[k].nodes) == 1 else None
        moved = {one(k) for k, p in enumerate(params) if p is not None and p.kind == "object"} - {None}
        for k, p in enumerate(params):
            if p is not None and p.kind in ("location", "person") and one(k) in moved:
                outcomes[k] = replace(outcomes[k], nodes=(), code="affordance_violation", nearest=(one(k),),
                                      message=f"{one(k)} is the thing the task moves: it cannot be its "
                                              f"{p.name} too")
        return outcomes

    def _preferred(self, outcome: _Outcome, arg: Argument, skill: Skill | None, param: Parameter | None,
                   done: dict[int, _Outcome], st: _ParseState) -> _Outcome:
        """The last preferences among look-alikes, once every other word and argument narrowed them: what the task
        would change (`_undone`), for "the other" not what was named before (`_others`), the nearest ("the nearest
        cup"), the one named by the phrase itself (`Matcher.named_first`). Not for a set, nor for a pronoun whose
        antecedent is asked about (it follows the answer)."""
        if len(outcome.nodes) < 2 or outcome.many or outcome.asked or outcome.description is None:
            return outcome
        nodes = self._undone(outcome.nodes, skill, param, st.world)
        if self.lexicon.says_other(st.parse.tokens[arg.span.start:arg.span.end + 1]):
            nodes = self._others(nodes, done, st)
        nodes = self.matcher.named_first(outcome.description, self.matcher.nearest_first(outcome.description, nodes))
        return replace(outcome, nodes=nodes)

    def _others(self, nodes: tuple[str, ...], done: dict[int, _Outcome], st: _ParseState) -> tuple[str, ...]:
        """ "the other one": not what an earlier task of the instruction bound ("take the red mug and the other
        one"), nor where this task's things already are ("hang the towel on the other holder"; a thing still asked
        about says nothing); all stay when that would leave none."""
        earlier = {n for _, _, o in st.mentions for n in o.nodes}
        things = {n for o in done.values() if len(o.nodes) == 1 or o.many for n in o.nodes}
        return tuple(n for n in nodes if n not in earlier
                     and not any(self.scene.holds(t, ("on", "in"), n) for t in things)) or nodes

    def _listed(self, outcome: _Outcome, param: Parameter | None) -> _Outcome:
        """A span listing things ("the keys and the fridge") all of which must fit: one that narrowing or an
        affordance left out is an error, not silently dropped."""
        dropped = [n for n in outcome.listed if n not in outcome.nodes]
        if not dropped:
            return outcome
        why = cannot_fill(self.scene, dropped[0], param, self.lexicon) if param else None
        return replace(outcome, nodes=(), code="affordance_violation" if why else "description_mismatch",
                       nearest=outcome.listed[:3], message=why or f"{describe_node(self.scene, dropped[0])} does "
                                                                  "not fit what the rest of the task says")

    def _fitting_antecedent(self, index: int, param: Parameter, st: _ParseState) -> _Outcome | None:
        """What a pronoun (or a span repeated from an earlier task) refers to when its first antecedent cannot fill
        the parameter: the latest earlier mention that can ("put the potato in the microwave and turn it on": the
        microwave, as the potato cannot be switched on), or None."""
        for task, _, earlier in reversed(st.mentions):
            if task < index and earlier.nodes and not earlier.many and all(
                    cannot_fill(self.scene, n, param, self.lexicon) is None for n in earlier.nodes):
                return replace(earlier, refers_to=task, asked=len(earlier.nodes) > 1)
        return None

    def _undone(self, nodes: tuple[str, ...], skill: Skill | None, param: Parameter | None, world: WorldState
                ) -> tuple[str, ...]:
        """Of candidates that fit the words equally, the ones the task would change in `world` (the scene as the
        earlier tasks leave it): "turn off the lamp" with one lamp on and one off is the one on, "open the drawer"
        the closed drawers. Only by a goal (`achieves`) on this parameter alone whose state the scene records for
        every candidate (open, on, sliced) or an earlier task set; when the goal holds for all of them or for none,
        all stay (a question)."""
        if skill is None or param is None:
            return nodes
        goals = [g for g in skill.goals if g.args == (param.name,) and g.name in STATE_KEYS
                 and all(STATE_KEYS[g.name] in self.scene[n].states or (g.name, n) in world.fluents for n in nodes)]
        undone = tuple(n for n in nodes if not all(world.holds(g, {param.name: n}) for g in goals))
        return undone if goals and undone else nodes

    def _switched(self, task: TaskFrame, k: int, param: Parameter | None, outcome: _Outcome,
                  done: dict[int, _Outcome], parse: Parse) -> _Outcome:
        """A device nothing on the map fits is worked by its switch: "turn off the light" with a light switch and
        no lamp (lexicon `switched_by`). Only for a parameter that switches things, and only when a switch fits."""
        if outcome.nodes or outcome.code not in _NOT_FITTING or param is None or _SWITCHING not in param.requires \
                or outcome.description is None:
            return outcome
        match = self.matcher.switches(outcome.description, KIND_FILTER[param.kind], task.arguments[k].grounding)
        if not match.nodes:
            return outcome
        switched = replace(outcome, nodes=match.nodes, score=match.score, code=None, message="", nearest=())
        switched = self._narrowed(task, k, switched, done, parse)
        return switched if switched.nodes else outcome

    def _groundable(self, arg: Argument, param: Parameter | None, task: TaskFrame, k: int, parse: Parse) -> bool:
        if self._describes(task, k, parse) is not None:
            return False
        return param is not None or arg.role in self.lexicon.narrows or self._duplicate_of(task, k) is not None \
            or arg.role in self.lexicon.agent_roles

    def _describes(self, task: TaskFrame, k: int, parse: Parse) -> Argument | None:
        """The argument of `task` that argument k only describes: a span of attribute and state words alone that
        name no thing of the map or the lexicon, after another argument, in a role no skill of the task takes as a
        value ("pick up the mug that is not [white]", tagged as if a Source): read as words after that argument's
        span (`_with_tail`), not grounded on its own."""
        arg = task.arguments[k]
        if arg.role in self._value_roles(task):
            return None
        words = [normalise(w) for w in parse.tokens[arg.span.start:arg.span.end + 1]]
        content = [w for w in words if w and not self.lexicon.is_stopword(w)]
        if not content or not all((self.lexicon.attribute(w) or w in self.lexicon.states)
                                  and w not in self.scene.by_term and w not in self.lexicon.synonyms for w in content):
            return None  # "a glass", "the gold": things as well as attributes
        before = [a for a in task.arguments if a.span.end < arg.span.start]
        return max(before, key=lambda a: a.span.end) if before else None

    def _duplicate_of(self, task: TaskFrame, k: int) -> int | None:
        role = task.arguments[k].role
        return next((j for j in range(k) if task.arguments[j].role == role), None)

    # -- one argument -----------------------------------------------------------------------------------------
    def _argument(self, index: int, task: TaskFrame, arg: Argument, param: Parameter | None, st: _ParseState
                  ) -> _Outcome:
        key = (arg.span.start, arg.span.end)
        if key in st.by_span:
            task, earlier = st.by_span[key]
            return replace(earlier, refers_to=task, asked=len(earlier.nodes) > 1, reported=not earlier.nodes)
        tokens = list(st.parse.tokens[arg.span.start:arg.span.end + 1])
        if arg.role == "Recipient":   # "Mr Okafor his glasses" tagged as one Recipient: the person
            tokens = first_phrase(tokens, self.lexicon)
        desc = describe(tokens, self.lexicon, self._marks(arg, st))
        desc = self._kind_said_before(self._owned(self._purposed(desc, arg, st.parse), arg, st.parse), st)
        if desc.quantity is None and not desc.pronoun:
            desc = replace(desc, quantity=quantity_before(st.parse.tokens, arg.span.start, self.lexicon))
        if desc.robot:
            return _Outcome((self.scene.agent.id,), 1.0, noun="robot")
        if desc.pronoun:
            return self._antecedent(index, desc, st)
        kinds = KIND_FILTER[param.kind if param else None]
        numbered = self._numbered(arg, kinds, st.parse)
        if numbered:
            return _Outcome(numbered, 1.0, noun=desc.noun, description=desc)
        words = list(st.parse.tokens[arg.span.start:arg.span.end + 1])
        conjoined = self._conjoined(words, kinds, desc)
        if conjoined is None and arg.role == "Theme":
            listed = [*words, *self._and_after(arg, st.parse)]
            conjoined = self._conjoined(listed, kinds, describe(listed, self.lexicon)) if len(listed) > len(words) \
                else None
        if conjoined is not None:
            return conjoined
        match = self.matcher.match(desc, kinds, arg.grounding)
        if len(match.nodes) > 1 and not desc.relations:
            match, desc = self._with_tail(task, arg, kinds, st.parse) or (match, desc)
        elif len(match.nodes) == 1 and not desc.relations:
            match, desc = self._elsewhere(task, arg, kinds, st.parse) or (match, desc)
        return _Outcome(match.nodes, match.score, match.code, match.reason, match.nearest, noun=desc.noun,
                        warning=match.warning, description=desc)

    def _numbered(self, arg: Argument, kinds: tuple[str, ...], parse: Parse) -> tuple[str, ...]:
        """The node a noun and a number name together, the number in the span or right after it: "drawer 2",
        "shelf 3", "room 204" (a node of that id, drawer_2, or named "drawer 2"); () for other words."""
        end = arg.span.end + (0 if parse.tokens[arg.span.end].isdigit() else 1)
        if end >= len(parse.tokens) or not parse.tokens[end].isdigit() or end == arg.span.start:
            return ()
        noun, number = normalise(parse.tokens[end - 1]), parse.tokens[end]
        ids = [i for i in (f"{noun}_{number}", f"{noun}{number}", f"{noun}-{number}") if i in self.scene]
        ids += [i for i in self.scene.by_term.get(f"{noun} {number}", ()) if i not in ids]
        return tuple(i for i in ids if self.scene[i].kind in kinds)

    @staticmethod
    def _kind_said_before(desc: Description, st: _ParseState) -> Description:
        """ "the white one", "the other one": words that name no kind of thing take the noun of the latest thing
        named before them in the instruction ("take the red mug and the white one": a white mug)."""
        if desc.heads or desc.pronoun or desc.person or desc.robot:
            return desc
        noun = next((o.noun for _, _, o in reversed(st.mentions) if o.nodes and o.noun not in ("one", "robot")), None)
        return replace(desc, heads=(noun,)) if noun else desc

    def _purposed(self, desc: Description, arg: Argument, parse: Parse) -> Description:
        """ "something to drink", "anything to eat": an indefinite word (lexicon `indefinites`) followed, in the span
        or right after it, by "to" and a purpose of the lexicon (`purposes`) is the category it names."""
        words = [normalise(t) for t in parse.tokens[arg.span.start:]]
        at = next((i for i, w in enumerate(words) if w in self.lexicon.indefinites), None)
        if at is None or at > arg.span.end - arg.span.start or words[at + 1:at + 2] != ["to"]:
            return desc
        category = self.lexicon.purposes.get(words[at + 2] if at + 2 < len(words) else "")
        return describe([category], self.lexicon) if category else desc

    def _owned(self, desc: Description, arg: Argument, parse: Parse) -> Description:
        """`desc` owned by the person a possessive names, when the map has that person: "Maria's mug", or "his",
        "her", "their" (lexicon `pronouns.possessive`) after a person named earlier in the instruction ("bring
        Maria her mug"). What the map records as owned by the person (`owner`) comes first; a thing of no recorded
        owner still fits, one owned by another does not."""
        if any(key == "owner" for key, _ in desc.attributes):
            return desc
        owner = None
        for word in desc.words:
            if word.endswith("'s"):
                owner = self._person_named(word.removesuffix("'s")) or owner
            elif word in self.lexicon.pronouns.possessive:
                before = (self._person_named(normalise(t)) for t in reversed(parse.tokens[:arg.span.start]))
                owner = next((p for p in before if p), owner)
        return replace(desc, attributes=(*desc.attributes, ("owner", owner))) if owner else desc

    def _person_named(self, word: str) -> str | None:
        people = [i for i in self.scene.by_term.get(word, ()) if self.scene[i].kind == "person"]
        return people[0] if len(people) == 1 else None

    def _and_after(self, arg: Argument, parse: Parse) -> list[str]:
        """ "and" and the words after a Theme's span that no argument or trigger of the parse covers, up to a
        relation word or punctuation: "bring the salt [and pepper] to the table" read as "the salt and pepper" when
        the parse left the second thing out; [] otherwise."""
        taken = {i for t in parse.tasks for s in (t.trigger, *(a.span for a in t.arguments))
                 for i in range(s.start, s.end + 1)}
        end = arg.span.end + 1
        if end >= len(parse.tokens) or normalise(parse.tokens[end]) != "and":
            return []
        more = []
        for i in range(end, len(parse.tokens)):
            word = normalise(parse.tokens[i])
            if i in taken or not word or (i > end and (word in _CONJUNCTIONS or word in _AFTER_A_LIST
                                                       or word in self.lexicon.relations)):
                break
            more.append(parse.tokens[i])
        return more if len(more) > 1 else []

    def _conjoined(self, words: list[str], kinds: tuple[str, ...], desc: Description) -> _Outcome | None:
        """One span naming several things ("the salt and pepper", "the keys, the wallet and the phone"): the set of
        what each part names, when every part names one node (or a plural, a set) and the whole is no name on the
        map; else None (the span is matched whole)."""
        low = [normalise(w) or w.strip() for w in words]   # (a comma normalises to nothing)
        if not _CONJUNCTIONS & set(low) or desc.relations or " ".join(desc.words) in self.scene.by_term:
            return None  # ("the mug next to the salt and pepper": one mug; a node named "salt and pepper")
        parts, current = [], []
        for word, lowered in zip(words, low, strict=True):
            if lowered in _CONJUNCTIONS:
                parts, current = parts + [current], []
            else:
                current.append(word)
        parts = [p for p in parts + [current] if p]
        if len(parts) < 2:
            return None
        nodes = []
        for part in parts:
            part_desc = describe(part, self.lexicon)
            match = self.matcher.match(part_desc, kinds)
            if not match.nodes or (len(match.nodes) > 1 and self.matcher.wanted(part_desc) is None):
                return None
            nodes += match.nodes
        listed = tuple(dict.fromkeys(nodes))
        return _Outcome(listed, 0.9, noun=desc.noun, many=True, description=desc, listed=listed)

    def _marks(self, arg: Argument, st: _ParseState) -> dict[str, str]:
        """The words the parse marked as an attribute (isColour ...) -> the attribute they state."""
        return {normalise(w): self.lexicon.attribute_marks[a.type] for a in arg.attributes
                if a.type in self.lexicon.attribute_marks for w in st.parse.tokens[a.span.start:a.span.end + 1]}

    def _with_tail(self, task: TaskFrame, arg: Argument, kinds: tuple[str, ...], parse: Parse
                   ) -> tuple[Match, Description] | None:
        """The match and description of the span plus the relation phrase after it that the parse left out of
        every argument ("take [the mug] on the counter"), when that phrase narrows the candidates, or rules them
        all out (a place the scene knows that none is at: "the light in the bathroom" with no lamp there is not a
        question about the lamps elsewhere; a switch there may still work it, `_switched`)."""
        taken = {i for t in parse.tasks for i in range(t.trigger.start, t.trigger.end + 1)}
        taken |= {i for j, a in enumerate(task.arguments) if a is not arg and self._describes(task, j, parse) is None
                  for i in range(a.span.start, a.span.end + 1)}
        tail = tail_words(list(parse.tokens), arg.span.end, taken, self.lexicon)
        if not tail:
            return None
        desc = describe(list(parse.tokens[arg.span.start:arg.span.end + 1]) + tail, self.lexicon)
        match = self.matcher.match(desc, kinds, arg.grounding)
        return (match, desc) if match.nodes or match.code == "description_mismatch" else None

    def _elsewhere(self, task: TaskFrame, arg: Argument, kinds: tuple[str, ...], parse: Parse
                   ) -> tuple[Match, Description] | None:
        """The mismatch of the one node the span names when the words after it put it in a room it is not in
        ("turn on the lights in the kitchen" with the only lamp in the dining room: a switch in the kitchen may
        still work them, `_switched`); None otherwise. Only a room: a place of another kind after a single thing
        is as often where it goes as where it is."""
        tailed = self._with_tail(task, arg, kinds, parse)
        if tailed is None or tailed[0].nodes or not tailed[1].relations:
            return None
        rooms = [self.matcher.match(r.landmark, ("room",)).nodes for r in tailed[1].relations]
        return tailed if all(rooms) and not any(r.negated for r in tailed[1].relations) else None

    def _antecedent(self, index: int, desc: Description, st: _ParseState) -> _Outcome:
        earlier = [(t, role, o) for t, role, o in reversed(st.mentions) if t < index and o.nodes]
        if desc.pronoun == "place":
            places = [(t, o) for t, role, o in earlier if role in _LOCATION_ROLES]
            objects = [(t, replace(o, nodes=tuple(dict.fromkeys(self.scene.place_of(n) for n in o.nodes))))
                       for t, role, o in earlier if role == "Theme"]
            found = (places or objects or [None])[0]
        else:
            themes = [(t, o) for t, role, o in earlier if role == "Theme"]
            found = (themes or [(t, o) for t, _, o in earlier if self.scene[o.nodes[0]].kind == "object"] or [None])[0]
        if found is None:
            return _Outcome((), code="unresolved_reference", message=f"{desc.words[0]!r} refers to nothing earlier")
        task, outcome = found
        return replace(outcome, refers_to=task, asked=len(outcome.nodes) > 1)

    def _narrowed(self, task: TaskFrame, k: int, outcome: _Outcome, done: dict[int, _Outcome], parse: Parse
                  ) -> _Outcome:
        """`outcome` narrowed by the arguments that narrow argument k (`_narrowers`). The one node a span names is
        only checked against a room tagged as where it is, a Source ("turn off the radio in the garage" with the only
        radio in the workshop: no radio is in the garage, and a switch there may work a light, `_switched`), as
        `_elsewhere` checks the words after it: a place of another kind is as often where a thing goes as where it
        is."""
        if not outcome.nodes:
            return outcome
        for j, predicates in self._narrowers(task, k, parse):
            landmarks = done.get(j)
            if landmarks is None or not landmarks.nodes:
                continue
            if len(outcome.nodes) == 1 and not (task.arguments[j].role in _SOURCE_ROLES
                                                 and self._elsewhere_than(outcome.nodes[0], landmarks.nodes)):
                continue   # (an Area may be where the thing goes: "bring the book to [the living room]")
            kept = self.matcher.narrow(outcome.nodes, predicates, landmarks.nodes)
            if not kept:
                where = task.arguments[j].span.text
                return replace(outcome, nodes=(), code="description_mismatch", nearest=outcome.nodes[:3],
                               message=f"no {outcome.noun} is {predicates[0].replace('_', ' ')} the {where}")
            outcome = replace(outcome, nodes=kept)
        return outcome

    def _elsewhere_than(self, node: str, landmarks: tuple[str, ...]) -> bool:
        """Whether the landmarks are rooms and `node`, a thing (a person may come from anywhere: "bring [me] the
        cup from the kitchen"), is known to be in none of them."""
        room = self.scene.room_of(node)
        return (room is not None and self.scene[node].kind == "object"
                and all(self.scene[m].kind == "room" for m in landmarks) and room not in landmarks)

    def _narrowers(self, task: TaskFrame, k: int, parse: Parse) -> list[tuple[int, tuple[str, ...]]]:
        """(argument index, predicates) of the arguments that narrow argument k. The words of a Goal or coGoal say
        where things go, not where they are: an argument sharing words with them ("put the apples in [the fridge]"
        tagged Goal and Containing_object, "to my bedroom" tagged Goal and Area either way round, "to the bed in
        [the bedroom]" tagged coGoal and Area) narrows only the goal."""
        arg, out = task.arguments[k], []
        goals = set() if arg.role in _GOAL_ROLES else \
            {i for a in task.arguments if a.role in _GOAL_ROLES for i in range(a.span.start, a.span.end + 1)}
        for j, other in enumerate(task.arguments):
            span = (other.span.start, other.span.end)
            targets = self.lexicon.narrows.get(other.role)
            narrows = (targets is not None and (not targets or arg.role in targets)) or self._duplicate_of(task, j) == k
            on_goal = not goals.isdisjoint(range(other.span.start, other.span.end + 1))
            if j != k and narrows and span != (arg.span.start, arg.span.end) and not on_goal:
                default = ("in",) if other.role == "Area" else _ANY_RELATION
                out.append((j, relation_before(list(parse.tokens), other.span.start, self.lexicon) or default))
        return out

    def _counted(self, outcome: _Outcome) -> _Outcome:
        """Counted after the other arguments narrowed it ("both plates from the table": the two on the table): a
        plural or "all" binds every node left; "two apples" binds two, asks which when more are left, and fails
        when fewer are."""
        want = None if outcome.description is None else self.matcher.wanted(outcome.description)
        if want is None or not outcome.nodes or outcome.many:
            return outcome
        if want == "all" or len(outcome.nodes) == want:
            return replace(outcome, many=True)
        if len(outcome.nodes) > want:
            return outcome  # which of them: a clarification
        return replace(outcome, nodes=(), code="description_mismatch", nearest=outcome.nodes[:3],
                       message=f"{want} {outcome.noun} asked for, {len(outcome.nodes)} fit")


    def _afforded(self, outcome: _Outcome, param: Parameter | None, beside: bool = False) -> _Outcome:
        if not outcome.nodes or param is None or not param.requires or (beside and param.kind == "location"):
            return outcome
        able = tuple(n for n in outcome.nodes if cannot_fill(self.scene, n, param, self.lexicon) is None)
        # a whole that cannot with a part of its class that can (a sink whose basin alone receives things): the part
        able = able or tuple(dict.fromkeys(p for n in outcome.nodes for p in sorted(self.scene.alike_parts(n))
                                           if cannot_fill(self.scene, p, param, self.lexicon) is None))
        if able:
            return replace(outcome, nodes=able)
        return replace(outcome, nodes=(), code="affordance_violation", nearest=outcome.nodes[:3],
                       message=cannot_fill(self.scene, outcome.nodes[0], param, self.lexicon))

    def _back_resolve(self, task: TaskFrame, outcomes: dict[int, _Outcome], st: _ParseState) -> None:
        """An ambiguous landmark ("the sink") becomes the one its resolved target relates to; for a set ("the cups
        from the counter"), the one every member relates to."""
        for k, outcome in outcomes.items():
            if not outcome.nodes or (len(outcome.nodes) > 1 and not outcome.many):
                continue
            for j, predicates in self._narrowers(task, k, st.parse):
                landmark = outcomes.get(j)
                if landmark and len(landmark.nodes) > 1 and predicates[0] != "not":
                    kept = tuple(m for m in landmark.nodes
                                 if all(self.matcher.relates(n, predicates, (m,)) for n in outcome.nodes))
                    if len(kept) == 1:
                        outcomes[j] = replace(landmark, nodes=kept)

    # -- results ----------------------------------------------------------------------------------------------
    def _finish(self, index: int, task: TaskFrame, skill: Skill | None, params: list,
                outcomes: dict[int, _Outcome], st: _ParseState) -> TaskGrounding:
        bindings, values, sets, problems = [], {}, {}, 0
        for k, arg in enumerate(task.arguments):
            binding, problem = self._binding(index, arg, params[k], outcomes.get(k), st)
            bindings.append(binding)
            problems |= problem
            if params[k] and (binding.node or binding.value):
                values[params[k].name] = binding.node or binding.value
            if params[k] and binding.members:
                sets[params[k].name] = binding.members
            if k in outcomes:
                self._remember(index, arg, outcomes[k], st)
                self._warn(index, arg, outcomes[k], st)
        filled = {p.name for p in params if p is not None}
        problems |= self._defaults(index, skill, values, filled, st)
        status = "failed" if problems & 2 or skill is None else "needs_clarification" if problems else "grounded"
        return TaskGrounding(task=index, type=task.type, skill=skill.name if skill else None, status=status,
                             bindings=tuple(bindings), parameters=values, sets=sets)

    def _remember(self, index: int, arg: Argument, outcome: _Outcome, st: _ParseState) -> None:
        if outcome.nodes:
            st.mentions.append((index, arg.role, outcome))
        st.by_span.setdefault((arg.span.start, arg.span.end), (index, outcome))

    def _warn(self, index: int, arg: Argument, outcome: _Outcome, st: _ParseState) -> None:
        if outcome.warning and outcome.refers_to is None:
            st.out.warnings.append(GroundingWarning(task=index, role=arg.role, code="room_unchecked",
                                                    message=outcome.warning))

    def _binding(self, index: int, arg: Argument, param: Parameter | None, outcome: _Outcome | None,
                 st: _ParseState) -> tuple[Binding, int]:
        """The binding of one argument and its problem bits: 1 = ambiguous, 2 = error."""
        name = param.name if param else None
        if param and param.kind == "value":
            return Binding(role=arg.role, parameter=name, span=arg.span, value=arg.span.text), 0
        if outcome is None:
            task = st.parse.tasks[index]
            described = self._describes(task, task.arguments.index(arg), st.parse)
            message = (f"{arg.span.text!r} only describes {described.span.text!r}, and is read with it" if described
                       else f"no parameter takes role {arg.role} ({arg.span.text!r}); it is ignored")
            st.out.warnings.append(GroundingWarning(task=index, role=arg.role, code="role_not_taken", message=message))
            return Binding(role=arg.role, parameter=None, span=arg.span), 0
        if len(outcome.nodes) == 1 and self._unsure(arg, param, outcome):
            node = outcome.nodes[0]
            question = f"Did you mean {describe_node(self.scene, node)} by {arg.span.text!r}?"
            st.out.clarifications.append(Clarification(task=index, role=arg.role, span=arg.span.text,
                                                       question=question, candidates=(node,)))
            return Binding(role=arg.role, parameter=name, span=arg.span, candidates=(node,),
                           refers_to=outcome.refers_to), 1
        if len(outcome.nodes) == 1:
            return Binding(role=arg.role, parameter=name, span=arg.span, node=outcome.nodes[0],
                           score=round(outcome.score, 3), refers_to=outcome.refers_to), 0
        if outcome.many and outcome.nodes:
            return Binding(role=arg.role, parameter=name, span=arg.span, members=outcome.nodes,
                           score=round(outcome.score, 3), refers_to=outcome.refers_to), 0
        binding = Binding(role=arg.role, parameter=name, span=arg.span, candidates=outcome.nodes,
                          refers_to=outcome.refers_to)
        if not outcome.nodes and param is None and arg.role in self.lexicon.agent_roles:
            st.out.warnings.append(GroundingWarning(task=index, role=arg.role, code="role_not_taken", message=(
                f"{arg.span.text!r} ({arg.role}) names no one on the map; the robot acts")))
            return binding, 0   # who should act, misread ("I'd like ...": Agent "'d"), does not stop the task
        if not outcome.nodes:
            return binding, self._error(index, arg, outcome, param, st)
        if param is None:
            return binding, 0  # a narrowing landmark left open does not block the task
        if not outcome.asked:
            question = clarification_question(self.scene, self._noun(outcome), list(outcome.nodes),
                                              self.lexicon.structural)
            st.out.clarifications.append(Clarification(task=index, role=arg.role, span=arg.span.text,
                                                       question=question, candidates=outcome.nodes))
        return binding, 1

    def _noun(self, outcome: _Outcome) -> str:
        """The noun a question asks with: the words' own, or, when they name no thing ("the blue" the parse kept
        of "the book that is not blue"), the candidates' common label ("Which book ..."), else "one"."""
        named = any(outcome.noun in term.split() for n in outcome.nodes for term in self.scene[n].terms)
        if named or not (self.lexicon.attribute(outcome.noun) or outcome.noun in self.lexicon.states):
            return outcome.noun   # ("Which orange ...": a colour word, and the oranges' name)
        labels = {self.scene[n].label for n in outcome.nodes}
        return labels.pop() if len(labels) == 1 else "one"

    def _unsure(self, arg: Argument, param: Parameter | None, outcome: _Outcome) -> bool:
        """Whether the extractor was too unsure of this argument to act on it (an entropy-triggered question):
        its score is below `ask_below`, it fills a parameter, and it was not confirmed at an earlier mention."""
        return (self.ask_below is not None and arg.score is not None and arg.score < self.ask_below
                and param is not None and outcome.refers_to is None)

    def _error(self, index: int, arg: Argument, outcome: _Outcome, param: Parameter | None, st: _ParseState) -> int:
        if outcome.reported:
            return 2  # at the first mention; what fails only here (a pronoun's fridge as the thing to pick) is said
        message = outcome.message or f"nothing fits {arg.span.text!r}"
        st.out.errors.append(GroundingErrorItem(task=index, role=arg.role, code=outcome.code or "object_not_found",
                                                message=message, nearest=outcome.nearest))
        return 2

    def _defaults(self, index: int, skill: Skill | None, values: dict[str, str], filled: set[str],
                  st: _ParseState) -> int:
        """Fill unfilled parameters from their defaults; a required one with no default is an error."""
        problems = 0
        for param in skill.parameters if skill else ():
            if param.name in filled:
                continue
            if param.default and param.default in self.scene:
                values[param.name] = param.default
                continue
            if not param.required:
                continue
            st.out.errors.append(GroundingErrorItem(task=index, role=param.roles[0], code="missing_argument",
                                                    message=f"{skill.name} needs {param.name!r} "
                                                            f"({' or '.join(param.roles)}) and none was given"))
            problems |= 2
        return problems


def beside(tokens: Sequence[str], start: int, lexicon: Lexicon) -> bool:
    """True for the words from `start` on in "put it next to [the lamp]": a landmark, so a place parameter it
    fills needs none of the affordances the parameter requires (it need not be a receptacle)."""
    predicates = relation_before(list(tokens), start, lexicon)
    return bool(predicates) and set(predicates) <= {"next_to", "near"}


def cannot_fill(scene: SceneGraph, node: str, param: Parameter, lexicon: Lexicon) -> str | None:
    """Why `node` cannot fill `param` (an affordance it lacks: "the fridge (fridge_1) cannot fill 'object': it is
    not pickable"), or None when it can. A room fills any place parameter: "put the mug in the living room" puts it
    somewhere in that room."""
    has = lexicon.implied_affordances(tuple(scene[node].affordances))
    lacking = sorted(set(param.requires) - has)
    if not lacking or (param.kind == "location" and scene[node].kind == "room"):
        return None
    named = " or ".join(f"a {a}" if a in _NOUN_AFFORDANCES else a for a in lacking)
    return f"{describe_node(scene, node)} cannot fill {param.name!r}: it is not {named}"
