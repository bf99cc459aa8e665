"""Tests of `decoding.rules`: the rule-based extractor, its lexicon file and its outputs on the test split."""

from pathlib import Path

import pytest
import yaml

from decoding.errors import DataError
from decoding.files import read_parses
from decoding.parser import Words
from decoding.rules import Lexicon, RuleParser
from decoding.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "tage" / "raw" / "labels"
LEXICON = ROOT / "data" / "rules" / "lexicon.yaml"


@pytest.fixture(scope="module")
def parser() -> RuleParser:
    return RuleParser.load(LEXICON, LABELS)


def _frames(parse) -> list[tuple[str, str, set[tuple[str, str, str]]]]:
    return [(t.type, t.trigger.text, {(a.role, a.span.text, a.grounding) for a in t.arguments}) for t in parse.tasks]


@pytest.mark.parametrize("instruction, expected", [
    ("pick up the red cup from the couch",
     [("Picking", "pick up", {("Theme", "red cup", "cup"), ("Source", "couch", "sofa")})]),
    ("turn left to face the desk",
     [("Rotation", "turn", {("Manner", "left", "unk"), ("Goal", "desk", "table")})]),
    ("walk forward to the television",
     [("Motion", "walk", {("Manner", "forward", "unk"), ("Goal", "television", "tv")})]),
    ("take a step backwards",
     [("Motion", "take", {("Degree", "a step", "unk"), ("Manner", "backwards", "unk")})]),
    ("go to the living room",
     [("Motion", "go", {("Goal", "living room", "drawing_room"), ("Area", "living room", "drawing_room")})]),
    ("put the bottle in the fridge",
     [("Placing", "put", {("Theme", "bottle", "bottle"), ("Goal", "fridge", "fridge"),
                          ("Containing_object", "fridge", "fridge")})]),
    ("can you bring me my book from the table",
     [("Bringing", "bring", {("Agent", "you", "unk"), ("Recipient", "me", "person"), ("Theme", "my book", "book"),
                             ("Source", "table", "table")})]),
    ("turn on the tv",
     [("Changing_operational_state", "turn", {("Operational_state", "on", "unk"), ("Device", "tv", "tv")})]),
    ("there is a cup on the desk",
     [("Being_located", "is", {("Theme", "cup", "cup"), ("Source", "desk", "table")})]),
    ("where is the cup", [("Being_located", "is", {("Theme", "cup", "cup")})]),
    ("where's the cup", [("Being_located", "'s", {("Theme", "cup", "cup")})]),
    ("shove the box on the table",  # a trigger word from general English, not seen in train
     [("Pushing", "shove", {("Theme", "box", "box"), ("Source", "table", "table")})]),
    ("examine the painting", [("Inspecting", "examine", {("Theme", "painting", "unk")})]),
    ("bring Tom a soda", [("Bringing", "bring", {("Recipient", "Tom", "unk"), ("Theme", "soda", "unk")})]),
    ("give Anna the cup", [("Giving", "give", {("Recipient", "Anna", "unk"), ("Theme", "cup", "cup")})]),
    ("bring Maria her mug", [("Bringing", "bring", {("Recipient", "Maria", "unk"), ("Theme", "her mug", "cup")})]),
    ("give her the cup", [("Giving", "give", {("Recipient", "her", "person"), ("Theme", "cup", "cup")})]),
    ("give me her phone", [("Giving", "give", {("Recipient", "me", "person"), ("Theme", "her phone", "cellphone")})]),
    ("bring the mug to the user", [("Bringing", "bring", {("Theme", "mug", "cup"), ("Recipient", "user", "unk")})]),
    ("give the keys to Angel", [("Giving", "give", {("Theme", "keys", "key"), ("Recipient", "Angel", "unk")})]),
    ("Grasp the biscuits", [("Picking", "Grasp", {("Theme", "biscuits", "unk")})]),
    ("blow out the candle", [("Changing_operational_state", "blow out", {("Device", "candle", "candle")})]),
    ("navigate to the kitchen",
     [("Motion", "navigate", {("Goal", "kitchen", "kitchen"), ("Area", "kitchen", "kitchen")})]),
])
def test_literal_instructions(parser, instruction, expected):
    assert _frames(parser.parse(instruction)) == expected


def test_pronoun_resolves_to_last_theme(parser):
    parse = parser.parse("take the newspaper from the stand and put it on the coffee table")
    assert _frames(parse) == [
        ("Picking", "take", {("Theme", "newspaper", "newspaper"), ("Source", "stand", "unk")}),
        ("Placing", "put", {("Theme", "newspaper", "newspaper"), ("Goal", "coffee table", "table")}),
    ]
    placing_theme = parse.tasks[1].arguments[0].span
    assert (placing_theme.start, placing_theme.end) == (2, 2)  # the antecedent's words, not "it"


def test_pronoun_after_preposition_resolves_to_a_place(parser):
    parse = parser.parse("go to the fridge and place the bottle in it")
    assert ("Goal", "fridge", "fridge") in _frames(parse)[1][2]


def test_coordinated_verbs_make_several_tasks(parser):
    parse = parser.parse("turn right and walk to the door then turn left")
    assert [(t.type, t.trigger.text, t.trigger.start) for t in parse.tasks] == [
        ("Rotation", "turn", 0), ("Motion", "walk", 3), ("Rotation", "turn", 8)]


def test_coordinated_objects_share_trigger_and_place(parser):
    parse = parser.parse("pick the black cup and the brown cup from the table")
    assert _frames(parse) == [
        ("Picking", "pick", {("Theme", "black cup", "cup"), ("Source", "table", "table")}),
        ("Picking", "pick", {("Theme", "brown cup", "cup"), ("Source", "table", "table")}),
    ]
    assert parse.tasks[0].trigger == parse.tasks[1].trigger


@pytest.mark.parametrize("text, themes", [
    ("bring me the glass and the knife", ["glass", "knife"]),      # a noun that is also a material word
    ("take the paper and then the pen", ["paper", "pen"]),
    ("pick up the brown and white dresser", ["brown and white dresser"]),   # two colours of one thing
])
def test_and_after_a_material_noun_starts_another_object(parser, text, themes):
    parse = parser.parse(text)
    assert [a.span.text for t in parse.tasks for a in t.arguments if a.role == "Theme"] == themes


@pytest.mark.parametrize("text", ["take the big, heavy box", "pick up the small, shiny knife"])
def test_a_list_of_adjectives_makes_no_second_task(parser, text):
    assert len(parser.parse(text).tasks) == 1


@pytest.mark.parametrize("text, themes", [
    ("put the dirty dishes in the sink then wipe the table", ["dirty dishes"]),   # "wipe": no task type
    ("pick up the cup and water the plants", ["cup"]),
    ("take the paper and then the pen", ["paper", "pen"]),
])
def test_an_unknown_verb_before_a_determiner_starts_no_object(parser, text, themes):
    parse = parser.parse(text)
    assert [a.span.text for t in parse.tasks for a in t.arguments if a.role == "Theme"] == themes




def test_attribute_marks(parser):
    argument = parser.parse("pick the small red wooden box").tasks[0].arguments[0]
    assert [(a.type, a.span.text) for a in argument.attributes] == [
        ("isSize", "small"), ("isColour", "red"), ("isMaterial", "wooden")]


def test_spans_carry_character_offsets(parser):
    parse = parser.parse("go to the kitchen, now")
    goal = parse.tasks[0].arguments[0].span
    assert (goal.text, goal.char_start, goal.char_end) == ("kitchen", 10, 17)


@pytest.mark.parametrize("instruction", ["", "   ", "\n\t", "asdf qwer zxcv", "!!! ???", "the the the",
                                         "le chat est sur la table", "它在桌子上", "it", "and and then , ,",
                                         "turn turn turn", "pick up", "is", "there is", "can you"])
def test_odd_input_gives_a_valid_parse(parser, instruction):
    parse = parser.parse(instruction)
    assert Vocabulary.from_dir(LABELS).problems(parse) == []
    if not instruction.strip() or instruction in ("asdf qwer zxcv", "!!! ???", "它在桌子上"):
        assert parse.tasks == ()


def test_parse_many_matches_parse(parser):
    texts = ["turn left", "pick up the cup", ""]
    assert parser.parse_many([Words.of(t) for t in texts]) == [parser.parse(t) for t in texts]


def test_every_test_split_output_validates(parser):
    gold = read_parses(ROOT / "data" / "tage" / "test.jsonl")
    vocabulary = Vocabulary.from_dir(LABELS)
    predicted = parser.parse_many([Words.of_parse(g) for g in gold])
    assert [p for p in predicted if vocabulary.problems(p)] == []
    assert sum(len(p.tasks) for p in predicted) > len(gold)  # it does find tasks


def _write_lexicon(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["verbs"].update({"pick up": "Pickin"}), "verbs.'pick up': unknown task type 'Pickin'"),
    (lambda d: d["synonyms"].update({"couch": "settee"}), "synonyms.'couch': unknown grounding class 'settee'"),
    (lambda d: d["roles"]["Motion"]["prepositions"].update({"to": "Destination"}),
     "roles.Motion.prepositions.'to': unknown role 'Destination'"),
    (lambda d: d["attributes"].update({"isFluffy": ["soft"]}), "attributes.isFluffy: unknown attribute type"),
    (lambda d: d.pop("verbs"), "verbs: Field required"),
    (lambda d: d.update({"verbz": {}}), "verbz: Extra inputs are not permitted"),
    (lambda d: d["cues"]["turn"][0].update({"within": "soon"}), "cues.turn.0.within"),
])
def test_bad_lexicon_names_file_and_entry(tmp_path, edit, message):
    path = _write_lexicon(tmp_path, edit)
    with pytest.raises(DataError, match=r"lexicon\.yaml") as err:
        RuleParser.load(path, LABELS)
    assert message in str(err.value)


@pytest.mark.parametrize("text, message", [("verbs: [unclosed", "not YAML"), ("- a list", "a mapping"),
                                           ("", "a mapping")])
def test_unreadable_lexicon(tmp_path, text, message):
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        Lexicon.load(path, LABELS)


def test_repeated_key_in_lexicon(tmp_path):
    path = tmp_path / "lexicon.yaml"
    text = LEXICON.read_text(encoding="utf-8").replace("verbs:\n", "verbs:\n  turn: Motion\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="key 'turn' written twice"):
        Lexicon.load(path, LABELS)


def test_cue_changes_the_task_type(parser):
    assert [t.type for t in parser.parse("turn the oven off and turn right").tasks] == [
        "Changing_operational_state", "Rotation"]
    assert [t.type for t in parser.parse("take the cup to the kitchen").tasks] == ["Bringing"]


def test_missing_lexicon(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        RuleParser.load(tmp_path / "nope.yaml", LABELS)


@pytest.mark.parametrize("text, task", [
    ("take the red mug next to the sink", "Picking"),         # "to" of "next to" is no cue for Bringing
    ("take the cup to the bedroom", "Bringing"),
    ("take the box into the kitchen", "Bringing"),
])
def test_take_is_bringing_only_with_a_goal(parser, text, task):
    assert [t.type for t in parser.parse(text).tasks] == [task]


@pytest.mark.parametrize("text, task_type, arguments", [
    ("move the clock to the dresser", "Bringing", [("Theme", "clock"), ("Goal", "dresser")]),   # a thing moved
    ("move the chair next to the desk", "Bringing", [("Theme", "chair")]),
    ("move a bit to the left", "Motion", [("Degree", "a bit"), ("Manner", "left")]),          # the robot moves
    ("move to the kitchen", "Motion", [("Goal", "kitchen"), ("Area", "kitchen")]),
])
def test_move_with_an_object_moves_the_object(parser, text, task_type, arguments):
    [task] = parser.parse(text).tasks
    assert task.type == task_type and [(a.role, a.span.text) for a in task.arguments] == arguments


@pytest.mark.parametrize("text, state", [("turn the tv off in the living room", "off"),
                                         ("turn the lights on please", "on"), ("turn it off", "off")])
def test_on_or_off_ending_a_phrase_makes_turn_a_change_of_state(parser, text, state):
    [task] = parser.parse(text).tasks
    assert task.type == "Changing_operational_state"
    assert [a.span.text for a in task.arguments if a.role == "Operational_state"] == [state]


@pytest.mark.parametrize("text", ["take the cup and both the plates", "bring the cup and maybe the plate"])
def test_a_predeterminer_after_and_is_no_verb(parser, text):
    assert len(parser.parse(text).tasks) == 2   # another object of the same trigger, not a clause of its own


@pytest.mark.parametrize("text, shared", [
    ("turn off the oven and the stove", ("Operational_state", "off")),
    ("bring me the cup and the bowl", ("Recipient", "me")),
    ("can you pick the cup and then the bowl", ("Agent", "you")),
])
def test_what_is_said_before_a_list_holds_for_each_of_its_objects(parser, text, shared):
    # tagE's convention: a task per object of the list, the words before the first object in each, first
    first, second = parser.parse(text).tasks
    assert (second.arguments[0].role, second.arguments[0].span.text) == shared
    assert shared in [(a.role, a.span.text) for a in first.arguments]


@pytest.mark.parametrize("text, expected", [
    ("don't take the dry ones", []),                                      # forbidden, not to be done
    ("would you mind fetching my glasses", [("Bringing", "fetching")]),
    ("keep walking until the door", [("Motion", "walking")]),            # "keep" is no Placing here
    ("put the kettle on", [("Changing_operational_state", "put")]),     # as train's "put the tv on"
    ("take the second door on the left", [("Motion", "take")]),
    ("take the stairs", [("Motion", "take")]),
    ("take the door key to the kitchen", [("Bringing", "take")]),      # a door's key is no way through
])
def test_verbs_read_in_context(parser, text, expected):
    assert [(t.type, t.trigger.text) for t in parser.parse(text).tasks] == expected


@pytest.mark.parametrize("text, recipient, theme", [
    ("give the kids a cookie", "kids", "cookie"),
    ("hand the guest a towel", "guest", "towel"),
    ("bring the kids their toys", "kids", "their toys"),
])
def test_a_person_then_a_thing_after_the_verb_are_recipient_and_theme(parser, text, recipient, theme):
    (task,) = parser.parse(text).tasks
    assert [(a.role, a.span.text) for a in task.arguments] == [("Recipient", recipient), ("Theme", theme)]


def test_a_person_with_a_place_after_is_the_theme(parser):
    (task,) = parser.parse("bring the boy to school").tasks
    assert [(a.role, a.span.text) for a in task.arguments] == [("Theme", "boy"), ("Goal", "school")]


def test_a_list_of_objects_keeps_its_verbs_cue_and_every_object(parser):
    tasks = parser.parse("take three plates and four glasses to the dining table").tasks
    assert [(t.type, [(a.role, a.span.text) for a in t.arguments]) for t in tasks] == [
        ("Bringing", [("Theme", "three plates"), ("Goal", "dining table")]),
        ("Bringing", [("Theme", "four glasses"), ("Goal", "dining table")])]
    assert [a.span.text for t in parser.parse("bring me the newspaper, my glasses and the remote").tasks
            for a in t.arguments if a.role == "Theme"] == ["newspaper", "my glasses", "remote"]


@pytest.mark.parametrize("text, task_type", [
    ("move every chair to the balcony", "Bringing"), ("move your shoes to the closet", "Bringing"),
    ("move all the way to the kitchen", "Motion"), ("move this way", "Motion"),   # no thing moved
])
def test_move_a_thing_moves_it(parser, text, task_type):
    assert [t.type for t in parser.parse(text).tasks] == [task_type]


def test_a_title_and_a_name_before_a_possessive_are_the_recipient(parser):
    (task,) = parser.parse("bring Mr Okafor his glasses").tasks
    assert [(a.role, a.span.text) for a in task.arguments] == [("Recipient", "Mr Okafor"), ("Theme", "his glasses")]


@pytest.mark.parametrize("text, states", [
    ("turn the tv on and the lights off", [("tv", "on"), ("lights", "off")]),
    ("turn the oven off and the stove", [("oven", "off"), ("stove", "off")]),   # a state after the list's first
])
def test_a_state_ending_a_conjunct_still_makes_turn_a_change_of_state(parser, text, states):
    tasks = parser.parse(text).tasks
    assert {t.type for t in tasks} == {"Changing_operational_state"}
    assert [(*(a.span.text for a in t.arguments if a.role == "Device"),
             *(a.span.text for a in t.arguments if a.role == "Operational_state")) for t in tasks] == states
