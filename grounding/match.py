"""Finding the scene nodes a `Description` fits: by name, synonym or class, then attributes, states, relations."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .describe import Description
from .lexicon import RELATION_PREDICATES, Lexicon
from .scene import Node, SceneGraph, compact
from .vocabulary import OpenVocabulary

__all__ = ["Match", "Matcher", "KIND_FILTER"]

# Which node kinds a parameter kind accepts (None: an argument that fills no parameter).
KIND_FILTER = {"object": ("object",), "person": ("person",), "location": ("room", "object", "person"),
               None: ("room", "object", "person")}


_STACK = 1.0  # metres across the floor within which shelves or drawers are one stack ("the top shelf" of it)


@dataclass(frozen=True)
class Match:
    """The nodes that fit best (`nodes`), how well (`score`), and if none fit: why and what came nearest."""

    nodes: tuple[str, ...]
    score: float = 0.0
    code: str | None = None          # "object_not_found" | "description_mismatch" when `nodes` is empty
    reason: str = ""
    nearest: tuple[str, ...] = ()
    warning: str = ""                # a qualifier that could not be checked (a room, for nodes of no known room)


class Matcher:
    """Matches descriptions against one scene with one lexicon; holds no per-parse state."""

    def __init__(self, scene: SceneGraph, lexicon: Lexicon, vocabulary: OpenVocabulary | None = None) -> None:
        self.scene, self.lexicon = scene, lexicon
        self.vocabulary = vocabulary            # None: names by the lexicon alone
        self.lexical = vocabulary is None or vocabulary.lexicon_first
        self._known = set(lexicon.synonyms.values()) | set(lexicon.switched_by)   # classes the lexicon names

    def prepare(self, descriptions: Iterable[Description]) -> None:
        """Embed, in one batch, the head phrases of `descriptions` (landmarks too) that the lexicon cannot name."""
        if self.vocabulary is None:
            return
        pending, phrases = list(descriptions), []
        while pending:
            desc = pending.pop()
            pending += [r.landmark for r in desc.relations]
            if desc.heads and not (self.lexical and self._lexical_hit(desc)):
                phrases.append(desc.heads[0])
        if phrases:
            self.vocabulary.prepare(phrases)

    def _lexical_hit(self, desc: Description) -> bool:
        return any(tier(h) for h in self._heads(desc) for tier, _ in self._tiers())

    def _tiers(self) -> tuple[tuple[Callable[[str], list[Node]], float], ...]:
        """How a head phrase names nodes, surest first, with the score of a match that way."""
        return ((self._by_term, 1.0), (self._by_synonym, 0.9), (self._by_name_head, 0.85), (self._by_category, 0.8))

    @staticmethod
    def _heads(desc: Description) -> tuple[str, ...]:
        """The head phrases that name nodes, longest first; a container named for its contents comes first
        ("the bottle of wine": "wine bottle", then "bottle")."""
        held = " ".join(desc.contents)
        return tuple(f"{held} {head}" for head in desc.heads[-1:] if held) + desc.heads

    def match(self, desc: Description, kinds: Iterable[str], cls: str | None = None) -> Match:
        """The nodes of `kinds` that `desc` (and the extractor's class `cls`) fits best."""
        kinds = tuple(kinds)
        named, score = self._named(desc, kinds, cls)
        if not named:
            return Match((), code="object_not_found", reason=f"nothing called {desc.noun!r}",
                         nearest=self._similar(desc, kinds))
        return self._refine(desc, named, score)

    def switches(self, desc: Description, kinds: Iterable[str], cls: str | None = None) -> Match:
        """The switches working the device `desc` names, by the lexicon's `switched_by` and the switch's own name
        ("the lights": the light switches, not a garbage disposal switch), refined by the rest of `desc` ("the
        bathroom light"). The extractor's class `cls` stands in only for words the lexicon does not know."""
        kinds = tuple(kinds)
        devices = {self._device(head) for head in self._heads(desc)}
        if cls and not devices & self._known:
            devices.add(cls)
        nodes = [self.scene[i] for d in devices for w in self.lexicon.switched_by.get(d, ())
                 for i in self.scene.by_class.get(w, ()) if self._works(self.scene[i], d)]
        nodes = [n for n in dict.fromkeys(nodes) if n.kind in kinds]
        if not nodes:
            return Match((), code="object_not_found", reason=f"no switch works {desc.noun!r}")
        return self._refine(desc, nodes, 0.8)

    def _device(self, head: str) -> str:
        """The class a head names for `switches`, plural or not ("lights": lamp)."""
        singular = head[:-1] if self.lexicon.plural(head) else head
        return self.lexicon.synonyms.get(head) or self.lexicon.synonyms.get(singular) or singular

    def _works(self, switch: Node, device: str) -> bool:
        # a switch works the device its name says: a "light switch" (or class light_switch) a lamp
        return any(self.lexicon.synonyms.get(w, w) == device for term in switch.terms for w in term.split())

    def wanted(self, desc: Description) -> int | str | None:
        """How many nodes `desc` asks for as a set: a number ("two apples"), "all" ("all the plates", a plural
        that names no node as it stands), or None (one node)."""
        word = desc.heads[-1] if desc.heads else ""
        plural = self.lexicon.plural(word) and word not in self.scene.by_term
        want = desc.quantity or ("all" if plural else None)
        return None if want == 1 else want

    def _named(self, desc: Description, kinds: tuple[str, ...], cls: str | None) -> tuple[list[Node], float]:
        scene = self.scene
        if desc.person:
            return [scene[desc.person]] if desc.person in scene else [], 1.0
        if self.lexical:
            found, score = self._by_lexicon(desc, kinds, cls)
            if found:
                return found, score
        holding = self._holding(desc, kinds)
        if holding:
            return holding, 0.85
        if self.vocabulary is not None and desc.heads and desc.heads[0] not in self.lexicon.substances:
            # (a substance is no object: "a coffee" must not come out as the coffee mug)
            ids, score = self.vocabulary.nearest(scene, desc.heads[0], kinds)
            found = [scene[i] for i in ids]
            if desc.contents:  # "a glass of water" is something that holds water: never the reading glasses
                found = [n for n in found if self._can_hold(n)]
            if found:
                return found, score
        if not desc.heads and (desc.attributes or desc.states):
            return [n for n in scene.of_kind("object") if n.kind in kinds], 0.7
        if any(w in self.lexicon.room_words for w in desc.words) and scene.agent.room:
            return [scene[scene.agent.room]], 0.8
        return [], 0.0

    def _by_lexicon(self, desc: Description, kinds: tuple[str, ...], cls: str | None) -> tuple[list[Node], float]:
        for tier, score in self._tiers():
            for head in self._heads(desc):
                found = [n for n in tier(head) if n.kind in kinds]
                if found:
                    return found, score
        # The extractor's class stands in for an unknown word ("the beaker" :cup), but not for a name ("mary").
        if cls and cls not in ("unk", "person") and cls in self.scene.by_class and (desc.heads or not desc.attributes):
            return [self.scene[i] for i in self.scene.by_class[cls] if self.scene[i].kind in kinds], 0.8
        return [], 0.0

    def _holding(self, desc: Description, kinds: tuple[str, ...]) -> list[Node]:
        """The nodes the map says hold what the words ask for (`attributes.contents`), when nothing is named by
        them: "a glass of water" on a map with no glass is the cup of water; a substance alone ("my coffee", "some
        water", "the olive oil"), a category of them ("a drink") or anything else a map says a node holds ("the
        maple syrup") is what holds it."""
        wanted = set(desc.contents)
        if not wanted and desc.heads:
            # "the olive oil", "the maple syrup": a phrase the map says something holds; "my coffee"; a category of
            # substances: "a drink" is the mug of coffee
            held = self.scene.by_contents
            head = next((h for h in desc.heads if h in held), desc.heads[-1])
            wanted = {head} if head in held or head in self.lexicon.substances else set(self.lexicon.category(head))
        lists = [self.scene.by_contents[w] for w in wanted if w in self.scene.by_contents]
        ids = lists[0] if len(lists) == 1 else {i for ids in lists for i in ids}
        ordered = ids if len(lists) == 1 else [i for i in self.scene.nodes if i in ids]   # in the map's order
        return [self.scene[i] for i in ordered if self.scene[i].kind in kinds]

    def _can_hold(self, node: Node) -> bool:
        return bool(self.lexicon.implied_affordances(tuple(node.affordances)) & {"container", "receptacle"})

    def _by_term(self, head: str) -> list[Node]:
        terms = (head, head[:-1]) if head.endswith("s") else (head,)
        ids = next((self.scene.by_term[t] for t in terms if t in self.scene.by_term), None) or next(
            (self.scene.by_compact[c] for c in map(compact, terms) if c in self.scene.by_compact), [])
        return [self.scene[i] for i in ids]

    def _by_synonym(self, head: str) -> list[Node]:
        """Nodes of the class a lexicon synonym gives; of them, those named by a name meaning the same (`same_names`)
        or with the word in their name, when there are such: "the nightstand" is the node named "side table", not
        the desk of the same class table."""
        cls = self.lexicon.synonyms.get(head)
        found = [self.scene[i] for i in self.scene.by_class.get(cls, ())] if cls else []
        return [n for n in found if self._named_so(head, n)] or found

    def _named_so(self, head: str, node: Node) -> bool:
        """Whether the node's own name or alias says `head`: has its words, or is a name meaning the same."""
        same = set(self.lexicon.same_names.get(head, ()))
        return any(set(head.split()) <= set(t.split()) or t in same for t in _own_terms(node))

    def _by_name_head(self, head: str) -> list[Node]:
        """Nodes whose name, alias or class ends in the head phrase: "the fan" is the one named "box fan", "the
        holder" a towel_holder. Not for a word that means a room as such ("the room" is the robot's, not any room
        named "... room")."""
        if head in self.lexicon.room_words:
            return []
        heads = (head, head[:-1]) if self.lexicon.plural(head) else (head,)
        ids = dict.fromkeys(i for h in heads for i in self.scene.by_term_end.get(h, ()))
        return [self.scene[i] for i in ids]

    def _by_category(self, head: str) -> list[Node]:
        """Nodes of the classes a category word names (lexicon `categories`): "the fruit", "the toys"."""
        classes = self.lexicon.category(head)
        return [self.scene[i] for cls in classes for i in self.scene.by_class.get(cls, ())]

    def _refine(self, desc: Description, nodes: list[Node], score: float) -> Match:
        fitting, reason, unchecked = self._room_fit(desc, nodes)
        if fitting:
            fitting, reason = self._attribute_fit(desc, fitting)
        if fitting:
            fitting, reason, unchecked_relation = self._relation_fit(desc, fitting)
            unchecked = unchecked or unchecked_relation
        if fitting:
            fitting = self._modifier_fit(desc, fitting)
        if not fitting:
            return Match((), code="description_mismatch", reason=reason, nearest=tuple(n.id for n in nodes[:3]))
        fitting = self._wholes(self._contents_fit(desc, fitting))
        warning = (f"{desc.noun!r}: the room ({unchecked}) could not be checked: the scene gives no room for "
                   + ", ".join(n.id for n in fitting[:3])) if unchecked else ""
        return Match(tuple(n.id for n in fitting), score, warning=warning)

    def _contents_fit(self, desc: Description, nodes: list[Node]) -> list[Node]:
        # "a glass of water": the glasses the map says hold water (`contents`, as AI2-THOR's fillLiquid gives it);
        # else a glass named for, or holding, another substance (a "wine glass") only when no other glass fits
        if not desc.contents:
            return nodes
        wanted = set(desc.contents)
        holding = [n for n in nodes if n.contents & wanted]   # or named for it: "box of gloves", alias "gloves"
        holding = holding or [n for n in nodes if any(w in wanted for term in n.terms for w in term.split())]
        if holding:
            return holding
        others = set(self.lexicon.substances) - set(desc.contents)
        plain = [n for n in nodes if not any(w in others for term in n.terms for w in term.split())
                 and not n.contents & others]
        return plain or nodes

    def _wholes(self, nodes: list[Node]) -> list[Node]:
        # A part does not compete with its whole: "the bathtub" is not the bathtub's basin. Words that name the
        # part alone ("the top shelf", "the basin") leave no whole among the nodes, and the part stays.
        ids = {n.id for n in nodes}
        return [n for n in nodes if not self.scene.related(n.id, "part_of") & ids]

    def _room_fit(self, desc: Description, nodes: list[Node]) -> tuple[list[Node], str, str]:
        # A room named before the noun ("the kitchen sink", "the living room lamp") keeps the nodes in it; when
        # none is known to be there, the nodes of no known room stay (unchecked, with a warning).
        modifiers = list(desc.words[:-1])
        phrases = modifiers + [" ".join(modifiers[i:i + 2]) for i in range(len(modifiers) - 1)]
        rooms = {i for p in phrases for i in self.scene.by_term.get(p, ()) if self.scene[i].kind == "room"}
        if not rooms:
            return nodes, "", ""
        itself = [n for n in nodes if n.id in rooms]  # "the laundry room" of a room called laundry
        if itself:
            return itself, "", ""
        kept = [n for n in nodes if n.kind != "room" and n.room in rooms]
        said = " or ".join(sorted(rooms))
        if kept:
            return kept, "", ""
        unknown = [n for n in nodes if n.kind != "room" and n.room is None]
        return unknown, "" if unknown else f"no {desc.noun} is in the {said}", said if unknown else ""

    def _attribute_fit(self, desc: Description, nodes: list[Node]) -> tuple[list[Node], str]:
        # A stated attribute the node contradicts rules it out; one it does not record only ranks it lower. An
        # excluded one ("not red") rules out the nodes that have it, by record or by name.
        if desc.excluded:
            nodes = [n for n in nodes if not any(self._has(n, key, value) for key, value in desc.excluded)]
            if not nodes:
                said = " or ".join(self._stated_word(desc, k, v) for k, v in desc.excluded)
                return [], f"every {desc.noun} is {said}"
        stated = list(desc.attributes) + list(desc.states)
        if not stated:
            return nodes, ""
        ranked = [(agree, node) for node in nodes if (agree := self._agreement(desc, node, stated)) is not None]
        if not ranked:
            said = " ".join(self._stated_word(desc, k, v) for k, v in stated)
            return [], f"no {desc.noun} is {said}"
        best = max(a for a, _ in ranked)
        said = dict(stated)
        place = int(said["ordinal"]) if "ordinal" in said else "middle" if said.get("side") == "middle" else None
        return self._by_height([n for a, n in ranked if a == best], said.get("level"), place), ""

    def nearest_first(self, desc: Description, nodes: tuple[str, ...]) -> tuple[str, ...]:
        """"the nearest screwdriver" ("the farthest"), once everything else has narrowed the candidates: the one
        closest to (farthest from) the robot across the floor, by its position or that of the node it stands at;
        when a position is unknown all stay, and so do nodes within 10 cm of the best."""
        distance = next((v for k, v in desc.attributes if k == "distance"), None)
        away = self._away(nodes)
        if distance not in ("near", "far") or len(nodes) < 2 or away is None:
            return nodes
        best = (min if distance == "near" else max)(away.values())
        return tuple(i for i in nodes if abs(away[i] - best) <= 0.1)

    def _away(self, nodes: tuple[str, ...]) -> dict[str, float] | None:
        """How far each node is from the robot across the floor; None when a position is unknown."""
        agent = self.scene.agent
        here = agent.position or (self.scene[agent.near].position if agent.near in self.scene else None)
        if here is None or any(self.scene[i].position is None for i in nodes):
            return None
        return {i: math.dist(self.scene[i].position[:2], here[:2]) for i in nodes}

    def _stated_word(self, desc: Description, key: str, value: object) -> str:
        """The word of `desc` that stated `key` = `value` ("clean" for dirty = False), for messages."""
        if not isinstance(value, bool):
            return str(value)
        states = self.lexicon.states
        word = next((w for w in (*desc.words, *states) if states.get(w, {}).get(key) is value), None)
        return word or (key if value else f"not {key}")

    @staticmethod
    def _by_height(nodes: list[Node], level: object, place: int | str | None = None) -> list[Node]:
        """"the top shelf", "the bottom drawer" among nodes that record no level and stand in one stack (within
        `_STACK` m of each other across the floor): the highest or lowest by the height of their positions (within
        1 cm); "the second shelf" the second height from the top ("the second shelf from the bottom": with
        "bottom"), "the middle shelf" the middle one of an odd number. Nodes without a height, or in more than one
        stack (shelves in two rooms), stay as they are, and so do all when there is no such place."""
        if (level not in ("top", "bottom") and place is None) or len(nodes) < 2 or any(
                n.position is None or "level" in n.attributes for n in nodes):
            return nodes
        if any(math.dist(a.position[:2], b.position[:2]) > _STACK for a in nodes for b in nodes):
            return nodes
        heights: list[float] = []
        for z in sorted((n.position[2] for n in nodes), reverse=level != "bottom"):
            if not heights or abs(heights[-1] - z) > 0.01:
                heights.append(z)
        index = 0 if place is None else place - 1 if isinstance(place, int) else \
            len(heights) // 2 if len(heights) % 2 else None
        if index is None or index >= len(heights):
            return nodes
        return [n for n in nodes if abs(n.position[2] - heights[index]) <= 0.01]

    def _has(self, node: Node, key: str, value: object) -> bool:
        """Whether `node` records `key` = `value`, or is named with a word that states it ("red mug")."""
        if self._recorded(node, key) == value:
            return True
        return any(w == value or self.lexicon.attribute(w) == (key, value) for term in node.terms for w in term.split())

    def _recorded(self, node: Node, key: str) -> object | None:
        """The value `node` records for `key` (an attribute or a state) in the lexicon's words ("cardboard" is
        paper); None when it records none."""
        have = node.attributes.get(key, node.states.get(key))
        if have is None:
            return None
        canonical = self.lexicon.attribute(str(have))
        return canonical[1] if canonical and canonical[0] == key else have

    def _agreement(self, desc: Description, node: Node, stated: list[tuple[str, object]]) -> int | None:
        """How many stated attributes `node` agrees with; None when it contradicts one. A word in the node's name
        agrees ("the cardboard box" named so), and a recorded value counts in the lexicon's words (`_recorded`)."""
        named = {w for term in node.terms for w in term.split()}
        agree = 0
        for key, value in stated:
            said = {w for w in desc.words if w == value or self.lexicon.attribute(w) == (key, value)}
            if said & named:
                agree += 1
                continue
            have = self._recorded(node, key)
            if have is None:
                continue
            if have != value:
                return None
            agree += 1
        return agree

    def _modifier_fit(self, desc: Description, nodes: list[Node]) -> list[Node]:
        # Words before the noun that are in no name of the nodes but name an object of the scene are a landmark:
        # "the bathtub faucet" is the faucet at the bathtub, "the sofa pillow" the one on the sofa. When no node
        # stands in any relation to it, the words only describe, and narrow nothing.
        # Words before the noun in the names of some of the nodes keep those: "the math book" is the one named
        # "math textbook" among the books.
        said = desc.heads[0].split()[:-1] if desc.heads else []
        words_of = {n.id: {w for term in n.terms for w in term.split()} for n in nodes}
        named = set().union(*words_of.values())
        in_names = [w for w in said if w in named]
        nodes = [n for n in nodes if all(w in words_of[n.id] for w in in_names)] or nodes
        landmarks = self._modifier_landmarks([w.removesuffix("'s") for w in said if w not in named])  # "the sofa's"
        kept = [n for n in nodes if any(self.scene.holds(n.id, RELATION_PREDICATES, m) for m in landmarks - {n.id})]
        return kept or nodes

    def _modifier_landmarks(self, words: list[str]) -> set[str]:
        """The objects the modifier words name, the longest phrase first ("the coffee table book": the coffee
        table, not any table), by name before class."""
        found, i = set(), 0
        while i < len(words):
            for n in range(len(words) - i, 0, -1):
                phrase = " ".join(words[i:i + n])
                objects = {m.id for m in self._by_term(phrase) or self._by_synonym(phrase) if m.kind == "object"}
                if objects:
                    found, i = found | objects, i + n
                    break
            else:
                i += 1
        return found

    def _relation_fit(self, desc: Description, nodes: list[Node]) -> tuple[list[Node], str, str]:
        unchecked = ""
        for relation in desc.relations:
            landmark = self.match(relation.landmark, ("room", "object", "person"))
            if not landmark.nodes:
                continue  # a landmark the scene does not know narrows nothing ("a cup of coffee")
            kept = [n for n in nodes if relation.negated != any(self.scene.holds(n.id, relation.predicates, m)
                                                               for m in landmark.nodes)]
            rooms = [m for m in landmark.nodes if self.scene[m].kind == "room"]
            if not kept and rooms and not relation.negated:
                kept = [n for n in nodes if n.kind == "object" and n.room is None]
                unchecked = " or ".join(rooms) if kept else unchecked
            nodes = kept
            if not nodes:
                said = ("not " if relation.negated else "") + relation.predicates[0].replace("_", " ")
                return [], f"no {desc.noun} is {said} the {relation.landmark.noun}", ""
        return nodes, "", unchecked

    def named_first(self, desc: Description, nodes: tuple[str, ...]) -> tuple[str, ...]:
        """Of look-alikes left after everything else, when one is named by the very phrase ("the teddy bear", a
        node named "teddy bear"), those whose name has the phrase's words, before those named something else that
        the phrase reaches only through their class (a "stuffed rabbit" of class teddy_bear). A node with no name,
        or a word of the phrase in its name (a "red cup" for "the cup"), stays; with no exact name all stay ("the
        table" for a "side table" and a "desk" is a question)."""
        found = [self.scene[i] for i in nodes]
        head = next((h for h in self._heads(desc) if any(h in _own_terms(n) for n in found)), None)
        if len(nodes) < 2 or head is None:
            return nodes
        return tuple(n.id for n in found if self._named_so(head, n) or not n.name
                     or any(w in n.name.lower() for w in head.split()))

    def narrow(self, nodes: tuple[str, ...], predicates: tuple[str, ...], landmarks: tuple[str, ...]
               ) -> tuple[str, ...]:
        """The `nodes` that stand in one of `predicates` to one of `landmarks` (to none, after a leading "not")."""
        return tuple(n for n in nodes if self.relates(n, predicates, landmarks))

    def relates(self, node: str, predicates: tuple[str, ...], landmarks: tuple[str, ...]) -> bool:
        """Whether `node` stands in one of `predicates` to one of `landmarks`; ("not", ...) negates."""
        if predicates and predicates[0] == "not":
            return not self.relates(node, predicates[1:], landmarks)
        return any(node != m and self.scene.holds(node, predicates, m) for m in landmarks)

    def _similar(self, desc: Description, kinds: tuple[str, ...]) -> tuple[str, ...]:
        word = desc.heads[-1] if desc.heads else " ".join(desc.words)
        close = difflib.get_close_matches(word, list(self.scene.by_term), n=3, cutoff=0.6)
        ids = [i for term in close for i in self.scene.by_term[term] if self.scene[i].kind in kinds]
        return tuple(dict.fromkeys(ids))[:3]


def _own_terms(node: Node) -> list[str]:
    """The words a map gives a node itself (name and aliases), lower case; its class is not among them."""
    return [t.lower() for t in (node.name, *node.aliases) if t]
