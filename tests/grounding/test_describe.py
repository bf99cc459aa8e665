"""Reading argument words into descriptions."""

import pytest

from grounding import default_lexicon
from grounding.describe import describe, first_phrase, quantity_before, relation_before, tail_words


def d(text):
    return describe(text.split(), default_lexicon())


def test_head_attributes_and_relation():
    desc = d("the large red coffee mug next to the sink")
    assert desc.heads == ("coffee mug", "mug")
    assert set(desc.attributes) == {("size", "large"), ("color", "red")}
    (relation,) = desc.relations
    assert relation.predicates == ("next_to", "near") and relation.landmark.heads == ("sink",)


def test_chained_relations_nest_to_the_right():
    desc = d("the glass near the book on the table")
    assert desc.relations[0].landmark.heads == ("book",)
    assert desc.relations[0].landmark.relations[0].landmark.heads == ("table",)


@pytest.mark.parametrize("text, field, value", [
    ("it", "pronoun", "object"), ("them", "pronoun", "object"), ("there", "pronoun", "place"),
    ("me", "person", "user"), ("you", "robot", True), ("the open drawer", "states", (("open", True),)),
    ("my phone", "attributes", (("owner", "user"),)), ("the desk on the left", "attributes", (("side", "left"),)),
    ("the glass table", "attributes", (("material", "glass"),)), ("the glass", "heads", ("glass",)),
    ("the red one", "attributes", (("color", "red"),)),
    ("a bottle of wine", "contents", ("wine",)), ("a bottle of wine", "relations", ()),
    ("the bowl of fruit", "contents", ("fruit",)), ("the bowl of fruit", "heads", ("bowl",)),
    ("the chest of drawers", "heads", ("chest of drawers",)),   # a synonym phrase: no relation, no inner head
    ("the chest of drawers", "relations", ()), ("the coffee table", "heads", ("coffee table", "table")),
])
def test_fields(text, field, value):
    assert getattr(d(text), field) == value


def test_negated_relation():
    (relation,) = d("the mug that is not in the sink").relations
    assert relation.negated and relation.predicates == ("in",)


@pytest.mark.parametrize("tokens, state", [(["the", "lamp", "that", "is", "on"], ("on", True)),
                                           (["the", "laptop", "that", "'s", "off"], ("on", False)),
                                           (["the", "drawer", "that", "is", "open"], ("open", True))])
def test_a_state_after_a_copula_is_no_noun(tokens, state):
    desc = describe(tokens, default_lexicon())
    assert desc.states == (state,) and desc.heads[-1] in ("lamp", "laptop", "drawer") and not desc.relations


@pytest.mark.parametrize("text, excluded", [
    ("the mug that is not red", (("color", "red"),)),
    ("the mug that is n't red", (("color", "red"),)),            # how the tokenizer splits "isn't"
    ("the mug not the red one", (("color", "red"),)),
    ("the drawer that is not open", (("open", True),)),
    ("the cup not the mug", ()),                                 # names a thing: narrows nothing
    ("the lamp that is not on", (("on", True),)),
])
def test_negated_attributes_and_states(text, excluded):
    desc = d(text)
    assert desc.excluded == excluded and desc.heads[-1] in ("mug", "drawer", "cup", "lamp") and not desc.attributes


def test_relation_before_a_span():
    tokens = "take the red mug next to the sink".split()
    assert relation_before(tokens, 6, default_lexicon()) == ("next_to", "near")
    assert relation_before("go to the kitchen".split(), 3, default_lexicon()) is None


def test_negated_relation_before_a_span():
    tokens = "hand me the mug that is not in the sink".split()
    assert relation_before(tokens, 9, default_lexicon()) == ("not", "in")


@pytest.mark.parametrize("text, end, taken, tail", [
    ("take the mug on the counter and go", 2, set(), ["on", "the", "counter"]),
    ("take the mug that is next to the sink", 2, set(), ["next", "to", "the", "sink"]),
    ("put the mug in the sink", 2, {5}, []),                 # the sink is another argument's
    ("take the mug to me", 2, set(), []),                     # "to" is no relation
    ("take the mug from the table in the box", 2, {8}, ["from", "the", "table"]),
    ("grab the mug on the table for me", 2, set(), ["on", "the", "table"]),  # "for me": for whom, not where
    ("take the mug that is not red", 2, set(), ["not", "red"]),
    ("bring me the mug , not the red one", 3, set(), ["not", "the", "red"]),   # a comma before a negation
    ("bring me the mug but not the red one", 3, set(), ["not", "the", "red"]),
    ("bring me the mug , the red one", 3, set(), []),
    ("bring me the laptop that 's on", 3, set(), ["is", "on"]),                 # a state after a copula
    ("turn off the lamp that is on", 3, set(), ["is", "on"]),
    ("bring me the laptop that is n't on", 3, set(), ["n't", "on"]),
])
def test_tail_words(text, end, taken, tail):
    assert tail_words(text.split(), end, taken, default_lexicon()) == tail


@pytest.mark.parametrize("text, heads", [
    ("a slice of bread", ("bread slice", "bread")),
    ("two pieces of cake", ("cake piece", "cake")),
    ("a roll of toilet paper", ("toilet paper roll", "toilet paper", "paper")),
    ("the bar of soap", ("soap bar", "soap")),
])
def test_a_portion_of_a_thing_is_named_by_both(text, heads):
    desc = describe(text.split(), default_lexicon())
    assert desc.heads == heads and not desc.relations
    assert desc.quantity == (2 if text.startswith("two") else None)


def test_a_portion_keeps_its_relations_and_a_determiner_after_of_makes_a_part():
    on_plate = describe("the slice of bread on the plate".split(), default_lexicon())
    assert on_plate.heads == ("bread slice", "bread") and on_plate.relations[0].landmark.heads == ("plate",)
    part = describe("a piece of the puzzle".split(), default_lexicon())
    assert part.heads == ("piece",) and part.relations[0].predicates[0] == "part_of"


def test_a_quantifier_left_out_of_the_span():
    tokens = "open all the drawers".split()
    assert quantity_before(tokens, 3, default_lexicon()) == "all"
    assert quantity_before("take both of the cups".split(), 4, default_lexicon()) == 2
    assert quantity_before("open the drawers".split(), 2, default_lexicon()) is None


@pytest.mark.parametrize("tokens, heads", [
    (["the", "teacher", "'s", "desk"], ("teacher's desk", "desk")),   # the tokenizer splits "teacher's"
    (["the", "teacher", "’s", "desk"], ("teacher's desk", "desk")),   # a phone's apostrophe
    (["the", "red", "s", "hook"], ("s hook", "hook")),                 # a letter is no possessive
])
def test_a_possessive_stays_with_its_word(tokens, heads):
    assert describe(tokens, default_lexicon()).heads == heads


def test_a_persons_span_ends_at_a_possessive_after_a_noun():
    # two objects in one span: the person comes first
    assert first_phrase("Mr Okafor his glasses".split(), default_lexicon()) == ["Mr", "Okafor"]
    # a possessive after a relation word, or the span's first word, stays
    for text in ("the picture on his desk", "her glasses"):
        assert first_phrase(text.split(), default_lexicon()) == text.split()


def test_a_state_word_marked_as_a_colour_is_still_a_state():
    desc = describe("dirty mug".split(), default_lexicon(), {"dirty": "color"})
    assert desc.states == (("dirty", True),) and desc.attributes == ()
