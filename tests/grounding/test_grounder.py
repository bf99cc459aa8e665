"""Argument and task grounding: bindings, coreference, defaults, affordances, clarifications, errors, warnings."""

import copy

import pytest

from decoding.parse import Argument, Parse, TaskFrame
from decoding.tokenize import tokenize
from grounding import Grounder, SceneGraph, format_result, ground_parse, ground_ranked

from .conftest import parse_of


def ground(parse, scene, library):
    return Grounder(scene, library).ground(parse)


def test_binds_each_argument_to_its_node(scene, library):
    parse = parse_of("pick up the red mug from the table", "0 1 Picking ; 3 4 Theme ; 7 7 Source",
                     "picking : pick up , theme : red mug :cup , source : table :table")
    (task,) = ground(parse, scene, library).tasks
    assert task.skill == "pick" and task.status == "grounded"
    assert [(b.role, b.parameter, b.node) for b in task.bindings] == [("Theme", "object", "mug_1"),
                                                                      ("Source", "source", "table_1")]
    assert task.parameters == {"object": "mug_1", "source": "table_1"}


def test_equal_fits_ask_and_never_guess(scene, library):
    parse = parse_of("pick up the mug", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    out = ground(parse, scene, library)
    (question,) = out.clarifications
    assert out.tasks[0].status == "needs_clarification" and out.tasks[0].bindings[0].node is None
    assert set(question.candidates) == {"mug_1", "mug_2"}
    assert question.question == ("Which mug do you mean: the red one on the table or the blue one in the fridge?")


def test_relation_in_another_argument_narrows_the_theme(scene, library):
    parse = parse_of("take the mug in the fridge", "0 0 Picking ; 2 2 Theme ; 5 5 Source",
                     "picking : take , theme : mug :cup , source : fridge :fridge")
    assert ground(parse, scene, library).tasks[0].parameters["object"] == "mug_2"


def test_nothing_fits_gives_an_error_with_nearest(scene, library):
    parse = parse_of("pick up the green mug", "0 1 Picking ; 3 4 Theme", "picking : pick up , theme : green mug :cup")
    out = ground(parse, scene, library)
    (error,) = out.errors
    assert error.code == "description_mismatch" and set(error.nearest) == {"mug_1", "mug_2"}
    assert out.tasks[0].status == "failed"


def test_affordance_violation(scene, library):
    parse = parse_of("pick up the table", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : table :table")
    (error,) = ground(parse, scene, library).errors
    assert error.code == "affordance_violation" and "table_1" in error.message and "pickable" in error.message


def test_coreference_and_implicit_recipient(scene, library):
    parse = parse_of("take the red mug and bring it", "0 0 Picking ; 2 3 Theme | 5 5 Bringing ; 6 6 Theme",
                     "picking : take , theme : red mug :cup ; bringing : bring , theme : it :cup")
    out = ground(parse, scene, library)
    it = out.tasks[1].bindings[0]
    assert it.node == "mug_1" and it.refers_to == 0
    assert out.tasks[1].parameters == {"object": "mug_1", "goal": "user"}  # "bring X": to the speaker


def test_pronoun_without_antecedent(scene, library):
    parse = parse_of("bring it", "0 0 Bringing ; 1 1 Theme", "bringing : bring , theme : it :unk")
    (error,) = ground(parse, scene, library).errors
    assert error.code == "unresolved_reference"


def test_ambiguous_antecedent_is_asked_once(scene, library):
    parse = parse_of("take the mug and bring it", "0 0 Picking ; 2 2 Theme | 4 4 Bringing ; 5 5 Theme",
                     "picking : take , theme : mug :cup ; bringing : bring , theme : it :cup")
    out = ground(parse, scene, library)
    assert len(out.clarifications) == 1
    assert [t.status for t in out.tasks] == ["needs_clarification", "needs_clarification"]


def test_role_no_parameter_takes_is_reported(scene, library):
    parse = parse_of("pick up the red mug slowly", "0 1 Picking ; 3 4 Theme ; 5 5 Manner",
                     "picking : pick up , theme : red mug :cup , manner : slowly :unk")
    out = ground(parse, scene, library)
    (warning,) = out.warnings
    assert warning.code == "role_not_taken" and warning.role == "Manner"
    assert out.tasks[0].bindings[1].parameter is None and out.tasks[0].status == "grounded"


def test_unknown_task_type_is_an_error(scene, library):
    parse = parse_of("cut the apple", "0 0 Cutting ; 2 2 Theme", "cutting : cut , theme : apple :apple")
    out = ground(parse, scene, library)
    assert out.tasks[0].skill is None and out.tasks[0].status == "failed"
    assert out.errors[0].code == "no_skill"


def test_missing_required_argument(scene, library):
    parse = parse_of("go now", "0 0 Motion", "motion : go")
    out = ground(parse, scene, library)
    assert out.errors[0].code == "missing_argument" and out.errors[0].role == "Goal"


def test_demo_instruction(apartment, default_library):
    parse = parse_of("go to the kitchen , take the red mug next to the sink and bring it to me",
                     "0 0 Motion ; 3 3 Goal | 5 5 Picking ; 7 8 Theme -7 7 isColour ; 12 12 Source | "
                     "14 14 Bringing ; 15 15 Theme ; 17 17 Recipient",
                     "motion : go , goal : kitchen :kitchen ; picking : take , theme : red mug :cup , "
                     "source : sink :sink ; bringing : bring , theme : it :cup , recipient : me :person")
    result = ground_parse(parse, apartment, default_library)
    assert result.complete
    assert [(b.role, b.node) for t in result.tasks for b in t.bindings] == [
        ("Goal", "kitchen"), ("Theme", "mug_red"), ("Source", "sink_k"), ("Theme", "mug_red"), ("Recipient", "user")]
    assert [(s.skill, s.args) for s in result.plan] == [
        ("navigate", {"destination": "kitchen"}), ("navigate", {"destination": "counter_k"}),
        ("pick", {"object": "mug_red", "source": "sink_k"}), ("navigate", {"destination": "user"}),
        ("handover", {"object": "mug_red", "recipient": "user"})]


def test_model_style_span_with_the_relation_inside(apartment, default_library):
    parse = parse_of("take the red mug next to the sink", "0 0 Picking ; 1 7 Theme",
                     "picking : take , theme : the red mug next to the sink :cup")
    assert ground_parse(parse, apartment, default_library).tasks[0].parameters["object"] == "mug_red"


def test_relation_the_parse_left_out_still_narrows(scene, library):
    # A model may tag only "mug" and drop "in the fridge"; the words after the span still say which mug.
    parse = parse_of("take the mug in the fridge", "0 0 Picking ; 2 2 Theme", "picking : take , theme : mug :cup")
    out = ground(parse, scene, library)
    assert out.tasks[0].parameters["object"] == "mug_2" and not out.clarifications


def test_negated_relation_in_another_argument(kitchen, default_library):
    parse = parse_of("hand me the mug that is not in the sink",
                     "0 0 Giving ; 1 1 Recipient ; 3 3 Theme ; 9 9 Source",
                     "giving : hand , recipient : me :person , theme : mug :cup , source : sink :sink")
    (question,) = ground_parse(parse, kitchen, default_library).clarifications
    assert set(question.candidates) == {"mug_1", "mug_3"}


def test_a_negated_relation_narrows_and_fills_no_parameter(kitchen, default_library):
    parse = parse_of("take the mug that is not in the sink", "0 0 Picking ; 2 2 Theme ; 8 8 Source",
                     "picking : take , theme : mug :cup , source : sink :sink")
    out = ground_parse(parse, kitchen, default_library)
    source = out.tasks[0].bindings[1]
    assert source.parameter is None and "source" not in out.tasks[0].parameters


@pytest.mark.parametrize("text", ["pick up the mug that is not blue", "pick up the mug , not the blue one"])
def test_a_negated_attribute_rules_out_what_has_it(scene, library, text):
    parse = parse_of(text, "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    out = ground(parse, scene, library)
    assert out.tasks[0].parameters["object"] == "mug_1" and not out.clarifications


def test_an_argument_of_attribute_words_alone_describes_the_one_before(scene, library):
    parse = parse_of("pick up the mug that is not blue", "0 1 Picking ; 3 3 Theme ; 7 7 Source",
                     "picking : pick up , theme : mug :cup , source : blue :unk")
    out = ground(parse, scene, library)
    (task,) = out.tasks
    assert task.status == "grounded" and task.parameters == {"object": "mug_1"}
    (warning,) = out.warnings
    assert warning.role == "Source" and "'blue' only describes 'mug'" in warning.message


def test_every_look_alike_having_the_negated_attribute_is_an_error(apartment, default_library):
    parse = parse_of("pick up the mug that is not ceramic", "0 1 Picking ; 3 3 Theme",
                     "picking : pick up , theme : mug :cup")
    (error,) = ground(parse, apartment, default_library).errors
    assert error.code == "description_mismatch" and "every mug is ceramic" in error.message


def _scored(parse, score):
    task = parse.tasks[0]
    theme = task.arguments[0].model_copy(update={"score": score})
    return parse.model_copy(update={"tasks": (task.model_copy(update={"arguments": (theme, *task.arguments[1:])}),)})


def test_an_argument_the_extractor_doubts_is_confirmed_not_acted_on(scene, library):
    parse = parse_of("pick up the red mug", "0 1 Picking ; 3 4 Theme", "picking : pick up , theme : red mug :cup")
    out = Grounder(scene, library, ask_below=0.5).ground(_scored(parse, 0.3))
    (question,) = out.clarifications
    assert out.tasks[0].status == "needs_clarification" and question.candidates == ("mug_1",)
    assert question.question.startswith("Did you mean the red mug") and "'red mug'" in question.question


def test_a_confident_or_unscored_argument_is_acted_on(scene, library):
    parse = parse_of("pick up the red mug", "0 1 Picking ; 3 4 Theme", "picking : pick up , theme : red mug :cup")
    for candidate in (_scored(parse, 0.9), parse):
        out = Grounder(scene, library, ask_below=0.5).ground(candidate)
        assert not out.clarifications and out.tasks[0].parameters["object"] == "mug_1"


def test_ranked_parses_keep_the_first_that_grounds_without_errors(scene, library):
    good = parse_of("pick up the red mug", "0 1 Picking ; 3 4 Theme", "picking : pick up , theme : red mug :cup")
    bad = parse_of("pick up the red mug", "0 1 Picking ; 2 2 Theme", "picking : pick up , theme : the :unk")
    assert ground_ranked([bad, good], scene, library).parse == good
    assert ground_ranked([good, bad], scene, library).parse == good


ROBOT_MAP = {
    "rooms": [{"id": "living_room", "name": "living room", "area": {"min": [0, 0], "max": [5, 4]}},
              {"id": "kitchen", "area": {"min": [5, 0], "max": [9, 4]}},
              {"id": "bathroom", "area": {"min": [0, 4], "max": [3, 7]}}],
    "agent": {"position": [1, 1]},
    "objects": [{"id": "glass_1", "class": "glass", "position": [6, 1]},
                {"id": "water_1", "class": "water", "position": [6, 1.2]},
                {"id": "plate_1", "class": "plate", "position": [6, 2]},
                {"id": "plate_2", "class": "plate", "position": [7, 2]},
                {"id": "plate_3", "class": "plate", "position": [8, 2]},
                {"id": "apple_1", "class": "apple", "position": [6, 3]},
                {"id": "apple_2", "class": "apple", "position": [6.5, 3]},
                {"id": "mug_1", "class": "cup", "name": "mug", "position": [6, 3.5],
                 "attributes": {"color": "turquoise"}},
                {"id": "mug_2", "class": "cup", "name": "mug", "position": [7, 3.5], "attributes": {"color": "red"}},
                {"id": "mug_3", "class": "cup", "name": "mug", "attributes": {"color": "blue"}},
                {"id": "sink_1", "class": "sink", "position": [8, 1]},
                {"id": "tv_1", "class": "tv", "name": "television", "position": [1, 1]}]}


@pytest.fixture(scope="module")
def robot_map():
    return SceneGraph.from_dict(copy.deepcopy(ROBOT_MAP))


def _bound(result):
    return [(b.role, b.node or (list(b.members) if b.members else None)) for t in result.tasks for b in t.bindings]


@pytest.mark.parametrize("text, spans, texts, bound", [
    ("inspect the bathroom", "0 0 Inspecting ; 2 2 Theme", "inspecting : inspect , theme : bathroom :bathroom",
     [("Theme", "bathroom")]),
    ("put the red mug in the living room", "0 0 Placing ; 2 3 Theme ; 6 7 Goal",
     "placing : put , theme : red mug :cup , goal : living room :drawing_room",
     [("Theme", "mug_2"), ("Goal", "living_room")]),
    ("bring me a glass of water", "0 0 Bringing ; 1 1 Recipient ; 3 5 Theme",
     "bringing : bring , recipient : me :person , theme : glass of water :glass",
     [("Recipient", "user"), ("Theme", "glass_1")]),
    ("bring me two apples", "0 0 Bringing ; 1 1 Recipient ; 2 3 Theme",
     "bringing : bring , recipient : me :person , theme : two apples :apple",
     [("Recipient", "user"), ("Theme", ["apple_1", "apple_2"])]),
    ("take the turquoise mug", "0 0 Picking ; 2 3 Theme -2 2 isColour", "picking : take , theme : turquoise mug :cup",
     [("Theme", "mug_1")]),
    ("switch on the television", "0 1 Changing_operational_state ; 3 3 Device",
     "changing_operational_state : switch on , device : television :tv", [("Device", "tv_1")]),
])
def test_robot_map_arguments(robot_map, default_library, text, spans, texts, bound):
    result = ground_parse(parse_of(text, spans, texts), robot_map, default_library)
    assert _bound(result) == bound and result.complete, format_result(result)


def test_a_set_repeats_its_tasks_member_by_member(robot_map, default_library):
    parse = parse_of("take all the plates and put them in the sink", "0 0 Picking ; 1 3 Theme | 5 5 Placing ; "
                     "6 6 Theme ; 9 9 Goal", "picking : take , theme : all the plates :plate ; placing : put , "
                     "theme : them :plate , goal : sink :sink")
    result = ground_parse(parse, robot_map, default_library)
    assert result.tasks[1].sets == {"object": ("plate_1", "plate_2", "plate_3")} and result.complete
    core = [(s.skill, s.args.get("object")) for s in result.plan if s.skill in ("pick", "place")]
    assert core == [(skill, p) for p in ("plate_1", "plate_2", "plate_3") for skill in ("pick", "place")]


@pytest.mark.parametrize("words, code", [("three apples", None), ("four apples", "description_mismatch")])
def test_a_count_asks_or_fails_when_it_does_not_fit(robot_map, default_library, words, code):
    robot_map_more = SceneGraph.from_dict(copy.deepcopy(ROBOT_MAP) | {"objects": ROBOT_MAP["objects"] + [
        {"id": "apple_3", "class": "apple"}, {"id": "apple_4", "class": "apple"}]}) if code is None else robot_map
    parse = parse_of(f"take {words}", "0 0 Picking ; 1 2 Theme", f"picking : take , theme : {words} :apple")
    result = ground_parse(parse, robot_map_more, default_library)
    if code is None:
        assert len(result.clarifications[0].candidates) == 4
    else:
        assert result.errors[0].code == code and "4 apples asked for, 2 fit" in result.errors[0].message


TABLE_AND_PLATES = {"objects": [{"id": "table_1", "class": "table"}, {"id": "plate_1", "class": "plate"},
                               {"id": "plate_2", "class": "plate"}, {"id": "plate_3", "class": "plate"}],
                   "relations": [{"subject": "plate_1", "predicate": "on", "object": "table_1"},
                                 {"subject": "plate_2", "predicate": "on", "object": "table_1"}]}


@pytest.mark.parametrize("words, theme, code", [
    ("both plates", ["plate_1", "plate_2"], None),        # three plates, two of them on the table
    ("the plates", ["plate_1", "plate_2"], None),
    ("three plates", None, "description_mismatch"),
])
def test_a_count_is_taken_after_the_other_arguments_narrow(default_library, words, theme, code):
    parse = parse_of(f"take {words} from the table", "0 0 Picking ; 1 2 Theme ; 5 5 Source",
                     f"picking : take , theme : {words} :plate , source : table :table")
    result = ground_parse(parse, SceneGraph.from_dict(TABLE_AND_PLATES), default_library)
    assert _bound(result) == [("Theme", theme), ("Source", "table_1")] and not result.clarifications
    assert [e.code for e in result.errors if e.role == "Theme"] == ([code] if code else [])


def test_an_ambiguous_landmark_becomes_the_one_a_whole_set_relates_to(default_library):
    two_tables = copy.deepcopy(TABLE_AND_PLATES)
    two_tables["objects"].append({"id": "table_2", "class": "table"})
    parse = parse_of("take the plates from the table", "0 0 Picking ; 2 2 Theme ; 5 5 Source",
                     "picking : take , theme : plates :plate , source : table :table")
    result = ground_parse(parse, SceneGraph.from_dict(two_tables), default_library)
    assert _bound(result) == [("Theme", ["plate_1", "plate_2"]), ("Source", "table_1")] and not result.clarifications


def test_an_argument_on_the_goals_words_does_not_narrow(default_library):
    sink = copy.deepcopy(TABLE_AND_PLATES)
    sink["objects"].append({"id": "sink_1", "class": "sink", "affordances": ["receptacle"]})
    parse = parse_of("put the plates in the sink", "0 0 Placing ; 2 2 Theme ; 5 5 Goal ; 5 5 Containing_object",
                     "placing : put , theme : plates :plate , goal : sink :sink , containing_object : sink :sink")
    result = ground_parse(parse, SceneGraph.from_dict(sink), default_library)
    assert _bound(result)[0] == ("Theme", ["plate_1", "plate_2", "plate_3"]) and not result.errors


def test_a_room_qualifier_for_roomless_objects_is_a_warning(robot_map, default_library):
    parse = parse_of("take the bathroom mug", "0 0 Picking ; 2 3 Theme", "picking : take , theme : bathroom mug :cup")
    result = ground_parse(parse, robot_map, default_library)
    assert _bound(result) == [("Theme", "mug_3")]
    [warning] = result.warnings
    assert warning.code == "room_unchecked" and "bathroom" in warning.message and "mug_3" in warning.message


LIGHT_SWITCH = {"rooms": [{"id": "hall"}], "objects": [
    {"id": "switch_1", "class": "switch", "name": "light switch", "room": "hall", "affordances": ["toggleable"]}]}


@pytest.mark.parametrize("text, spans, texts, bound", [
    ("turn off the light", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
     "changing_operational_state : turn , operational_state : off :unk , device : light :lamp", "switch_1"),
    ("bring me the light", "0 0 Bringing ; 1 1 Recipient ; 3 3 Theme",
     "bringing : bring , recipient : me :person , theme : light :lamp", None),   # a switch only for switching
])
def test_a_light_the_map_lacks_is_worked_by_its_switch(default_library, text, spans, texts, bound):
    result = ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(LIGHT_SWITCH), default_library)
    light = [b for t in result.tasks for b in t.bindings if b.role in ("Device", "Theme")][0]
    assert light.node == bound
    assert [e.code for e in result.errors] == ([] if bound else ["object_not_found"])


SWITCHES = {"rooms": [{"id": "hall"}], "objects": [
    {"id": "switch_1", "class": "switch", "name": "light switch", "room": "hall", "attributes": {"color": "white"}},
    {"id": "switch_2", "class": "switch", "name": "light switch", "room": "hall", "attributes": {"color": "turquoise"}},
    {"id": "switch_3", "class": "switch", "name": "garbage disposal switch", "room": "hall"}]}


@pytest.mark.parametrize("text, spans, texts, bound", [
    # the word the parse marks as a colour narrows the switches, as it would the light
    ("turn on the turquoise light", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 4 Device -3 3 isColour",
     "changing_operational_state : turn , operational_state : on :unk , device : turquoise light :lamp", "switch_2"),
    ("turn on the lights", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
     "changing_operational_state : turn , operational_state : on :unk , device : lights :lamp",
     ["switch_1", "switch_2"]),                                   # a plural: every light switch, not the disposal's
])
def test_the_switch_of_a_light_is_narrowed_by_what_the_parse_says(default_library, text, spans, texts, bound):
    result = ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(SWITCHES), default_library)
    assert ("Device", bound) in _bound(result) and not result.errors and not result.clarifications


ROOMS_OF_LIGHTS = {"rooms": [{"id": "living_room"}, {"id": "bedroom"}, {"id": "bathroom"}, {"id": "kitchen"}],
                   "objects": [
    {"id": "lamp_1", "class": "lamp", "name": "floor lamp", "room": "living_room"},
    {"id": "lamp_2", "class": "lamp", "name": "desk lamp", "room": "bedroom"},
    {"id": "switch_1", "class": "light_switch", "room": "bathroom"},
    {"id": "mug_1", "class": "cup", "name": "mug", "room": "living_room"},
    {"id": "mug_2", "class": "cup", "name": "mug", "room": "bedroom"}]}


@pytest.mark.parametrize("text, spans, texts, bound, code", [
    # the parse left "in the bathroom" out of every argument: no lamp is there, its switch is
    ("turn on the light in the bathroom", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
     "changing_operational_state : turn , operational_state : on :unk , device : light :lamp", "switch_1", None),
    ("take the mug in the bedroom", "0 0 Picking ; 2 2 Theme", "picking : take , theme : mug :cup", "mug_2", None),
    # the place tagged, as tagE tags it on a change of state: it narrows the device
    ("switch the lamp on in the bedroom", "0 0 Changing_operational_state ; 2 2 Device ; 3 3 Operational_state ; "
     "6 6 Source ; 6 6 Area", "changing_operational_state : switch , device : lamp :lamp , operational_state : on "
     ":unk , source : bedroom :bedroom , area : bedroom :bedroom", "lamp_2", None),
    # no mug there: said, not a question about the mugs elsewhere
    ("take the mug in the kitchen", "0 0 Picking ; 2 2 Theme", "picking : take , theme : mug :cup", None,
     "description_mismatch"),
])
def test_a_place_after_the_span_that_no_argument_took_still_counts(default_library, text, spans, texts, bound, code):
    result = ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(ROOMS_OF_LIGHTS), default_library)
    assert [b.node for t in result.tasks for b in t.bindings if b.role in ("Device", "Theme")] == [bound]
    assert [e.code for e in result.errors] == ([code] if code else []) and not result.clarifications


SINK_AND_BASIN = {"objects": [
    {"id": "mug_1", "class": "cup", "name": "mug", "affordances": ["pickable"]},
    {"id": "sink_1", "class": "sink", "affordances": []},   # the whole receives nothing, its basin does
    {"id": "basin_1", "class": "sink", "name": "sink basin", "affordances": ["receptacle"]}],
    "relations": [{"subject": "basin_1", "predicate": "part_of", "object": "sink_1"}]}


def test_a_whole_that_cannot_receive_gives_the_part_of_its_class_that_can(default_library):
    parse = parse_of("put the mug in the sink", "0 0 Placing ; 2 2 Theme ; 5 5 Goal",
                     "placing : put , theme : mug :cup , goal : sink :sink")
    scene = SceneGraph.from_dict(SINK_AND_BASIN)
    assert _bound(ground_parse(parse, scene, default_library)) == [("Theme", "mug_1"), ("Goal", "basin_1")]
    scene = SceneGraph.from_dict({"objects": SINK_AND_BASIN["objects"][:2]})   # no basin: the sink cannot take it
    assert [e.code for e in ground_parse(parse, scene, default_library).errors] == ["affordance_violation"]



@pytest.mark.parametrize("text, spans, texts, role, node", [
    ("open the drawer next to the sink", "0 0 Opening ; 2 2 Container_portal ; 6 6 Source",
     "opening : open , container_portal : drawer :drawer , source : sink :sink", "Container_portal", "drawer_1"),
    ("switch on the lamp next to the sink", "0 0 Changing_operational_state ; 3 3 Device ; 7 7 Source",
     "changing_operational_state : switch , device : lamp :lamp , source : sink :sink", "Device", "lamp_1"),
])
def test_a_source_narrows_what_is_opened_or_switched(default_library, text, spans, texts, role, node):
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "sink_1", "class": "sink", "room": "k", "position": [0, 0, 0.9]},
        {"id": "drawer_1", "class": "drawer", "room": "k", "position": [0.3, 0, 0.7], "states": {"open": False}},
        {"id": "drawer_2", "class": "drawer", "room": "k", "position": [4, 0, 0.7], "states": {"open": False}},
        {"id": "lamp_1", "class": "lamp", "room": "k", "position": [0.4, 0, 1.0], "states": {"on": False}},
        {"id": "lamp_2", "class": "lamp", "room": "k", "position": [4, 0, 1.0], "states": {"on": False}}]})
    bindings = ground_parse(parse_of(text, spans, texts), scene, default_library).tasks[0].bindings
    assert [b.node for b in bindings if b.role == role] == [node]


LAMPS_AND_DRAWERS = {"rooms": [{"id": "den"}], "objects": [
    {"id": "lamp_on", "class": "lamp", "room": "den", "states": {"on": True}, "affordances": ["toggleable"]},
    {"id": "lamp_off", "class": "lamp", "room": "den", "states": {"on": False}, "affordances": ["toggleable"]},
    {"id": "lamp_unknown", "class": "lamp", "room": "hall_x", "affordances": ["toggleable"]},
    {"id": "drawer_open", "class": "drawer", "room": "den", "states": {"open": True},
     "affordances": ["openable", "receptacle"]},
    {"id": "drawer_shut", "class": "drawer", "room": "den", "states": {"open": False},
     "affordances": ["openable", "receptacle"]}]}


@pytest.mark.parametrize("text, spans, texts, role, bound", [
    ("turn off the lamp", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
     "changing_operational_state : turn , operational_state : off :unk , device : lamp :lamp", "Device", "lamp_on"),
    ("turn on the lamp", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
     "changing_operational_state : turn , operational_state : on :unk , device : lamp :lamp", "Device", "lamp_off"),
    ("open the drawer", "0 0 Opening ; 2 2 Container_portal",
     "opening : open , container_portal : drawer :drawer", "Container_portal", "drawer_shut"),
    ("close the drawer", "0 0 Opening ; 2 2 Container_portal",
     "opening : close , container_portal : drawer :drawer", "Container_portal", "drawer_open"),
])
def test_of_look_alikes_the_one_the_task_would_change(default_library, text, spans, texts, role, bound):
    scene = {**LAMPS_AND_DRAWERS, "rooms": [{"id": "den"}, {"id": "hall_x"}],
             "objects": [o for o in LAMPS_AND_DRAWERS["objects"] if o["id"] != "lamp_unknown"]}
    result = ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(scene), default_library)
    assert (role, bound) in _bound(result) and not result.clarifications


def test_a_state_the_map_does_not_record_is_not_guessed(default_library):
    scene = SceneGraph.from_dict({**LAMPS_AND_DRAWERS, "rooms": [{"id": "den"}, {"id": "hall_x"}]})
    parse = parse_of("turn off the lamp", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
                     "changing_operational_state : turn , operational_state : off :unk , device : lamp :lamp")
    result = ground_parse(parse, scene, default_library)
    (question,) = result.clarifications
    assert set(question.candidates) == {"lamp_on", "lamp_off", "lamp_unknown"}


def test_a_node_named_by_the_phrase_is_bound_after_narrowing(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "kids"}, {"id": "hall"}], "objects": [
        {"id": "teddy_1", "class": "teddy_bear", "name": "teddy bear", "room": "kids", "affordances": ["pickable"]},
        {"id": "rabbit_1", "class": "teddy_bear", "name": "stuffed rabbit", "room": "kids",
         "affordances": ["pickable"]},
        {"id": "teddy_2", "class": "teddy_bear", "name": "plush", "room": "hall", "affordances": ["pickable"]}]})
    take = parse_of("take the teddy bear", "0 0 Picking ; 2 3 Theme", "picking : take , theme : teddy bear :teddy_bear")
    assert ("Theme", "teddy_1") in _bound(ground_parse(take, scene, default_library))
    # the room narrows first: the hall's teddy bear is the plush one, whatever its name
    hall = parse_of("take the teddy bear in the hall", "0 0 Picking ; 2 3 Theme ; 6 6 Area",
                    "picking : take , theme : teddy bear :teddy_bear , area : hall :room")
    assert ("Theme", "teddy_2") in _bound(ground_parse(hall, scene, default_library))


KITCHEN_CORNER = {"rooms": [{"id": "k"}], "agent": {"room": "k"}, "objects": [
    {"id": "potato_1", "class": "potato", "room": "k", "affordances": ["pickable"]},
    {"id": "microwave_1", "class": "microwave", "room": "k", "states": {"open": False, "on": False},
     "affordances": ["openable", "receptacle", "toggleable"]},
    {"id": "salt_1", "class": "salt_shaker", "name": "salt shaker", "room": "k", "affordances": ["pickable"]},
    {"id": "pepper_1", "class": "pepper_shaker", "name": "pepper shaker", "room": "k", "affordances": ["pickable"]}]}


def test_a_pronoun_whose_antecedent_cannot_fill_the_parameter_takes_one_that_can(default_library):
    # the parse points "it" at the potato (tagE: a pronoun's span is its antecedent's); the potato cannot be switched
    parse = parse_of("put the potato in the microwave and turn it on",
                     "0 0 Placing ; 2 2 Theme ; 5 5 Goal | 7 7 Changing_operational_state ; 2 2 Device ; 9 9 "
                     "Operational_state",
                     "placing : put , theme : potato :potato , goal : microwave :microwave ; changing_operational_state"
                     " : turn , device : potato :potato , operational_state : on :unk")
    result = ground_parse(parse, SceneGraph.from_dict(KITCHEN_CORNER), default_library)
    assert _bound(result)[2] == ("Device", "microwave_1") and not result.errors


def test_one_span_naming_several_things_binds_them_all(default_library):
    parse = parse_of("bring me the salt and pepper", "0 0 Bringing ; 1 1 Recipient ; 3 5 Theme",
                     "bringing : bring , recipient : me :person , theme : salt and pepper :unk")
    result = ground_parse(parse, SceneGraph.from_dict(KITCHEN_CORNER), default_library)
    assert ("Theme", ["salt_1", "pepper_1"]) in _bound(result) and not result.errors


def test_the_other_one_is_not_what_an_earlier_task_bound(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "cup_red", "class": "cup", "room": "k", "attributes": {"color": "red"}, "affordances": ["pickable"]},
        {"id": "cup_blue", "class": "cup", "room": "k", "attributes": {"color": "blue"}, "affordances": ["pickable"]}]})
    parse = parse_of("take the red cup and then the other cup", "0 0 Picking ; 2 3 Theme | 0 0 Picking ; 7 8 Theme",
                     "picking : take , theme : red cup :cup ; picking : take , theme : other cup :cup")
    assert [b.node for t in ground_parse(parse, scene, default_library).tasks for b in t.bindings] == \
        ["cup_red", "cup_blue"]


CUPS_AND_DRAWERS = {"rooms": [{"id": "k"}], "agent": {"room": "k", "position": [0, 0, 0]}, "objects": [
    {"id": "table_1", "class": "table", "room": "k", "position": [5, 0, 0], "affordances": ["receptacle"]},
    {"id": "counter_1", "class": "counter", "room": "k", "position": [1, 0, 0], "affordances": ["receptacle"]},
    {"id": "cup_counter", "class": "cup", "room": "k", "position": [1, 0, 1], "affordances": ["pickable"]},
    {"id": "cup_table_near", "class": "cup", "room": "k", "position": [4.5, 0, 1], "affordances": ["pickable"]},
    {"id": "cup_table_far", "class": "cup", "room": "k", "position": [5.5, 0, 1], "affordances": ["pickable"]},
    {"id": "salt_1", "class": "salt_shaker", "name": "salt shaker", "room": "k", "affordances": ["pickable"]},
    {"id": "pepper_1", "class": "pepper_shaker", "name": "pepper shaker", "room": "k", "affordances": ["pickable"]},
    {"id": "keys_1", "class": "key", "name": "keys", "room": "k", "affordances": ["pickable"]},
    {"id": "fridge_1", "class": "fridge", "room": "k", "affordances": ["openable", "receptacle"]},
    {"id": "drawer_a", "class": "drawer", "room": "k", "states": {"open": False},
     "affordances": ["openable", "receptacle"]},
    {"id": "drawer_b", "class": "drawer", "room": "k", "states": {"open": False},
     "affordances": ["openable", "receptacle"]},
    {"id": "lamp_on", "class": "lamp", "room": "k", "states": {"on": True}, "affordances": ["toggleable"]},
    {"id": "lamp_off", "class": "lamp", "room": "k", "states": {"on": False}, "affordances": ["toggleable"]}],
    "relations": [{"subject": "cup_counter", "predicate": "on", "object": "counter_1"},
                  {"subject": "cup_table_near", "predicate": "on", "object": "table_1"},
                  {"subject": "cup_table_far", "predicate": "on", "object": "table_1"}]}


def _ground(default_library, text, spans, texts):
    return ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(CUPS_AND_DRAWERS), default_library)


def test_the_nearest_is_taken_after_the_other_arguments_narrowed(default_library):
    result = _ground(default_library, "take the nearest cup from the table", "0 0 Picking ; 2 3 Theme ; 6 6 Source",
                     "picking : take , theme : nearest cup :cup , source : table :table")
    assert ("Theme", "cup_table_near") in _bound(result)   # not the counter's cup, nearer the robot still


@pytest.mark.parametrize("text, bound, code", [
    ("bring the keys, the salt shaker and the pepper shaker", ["keys_1", "salt_1", "pepper_1"], None),  # commas too
    ("bring the cup next to the salt and pepper", None, "description_mismatch"),   # a relation inside: a cup (none
    # is next to them here), not a list of a cup and the shakers
    ("bring the keys and the fridge", None, "affordance_violation"),   # a thing that cannot fill: never dropped
])
def test_a_listing_span(default_library, text, bound, code):
    tokens, offsets = tokenize(text)
    base = Parse(instruction=text, tokens=tokens, offsets=offsets)
    theme = Argument(role="Theme", span=base.span(2, len(tokens) - 1), grounding="unk")
    task = TaskFrame(type="Bringing", trigger=base.span(0, 0), arguments=(theme,))
    parse = base.model_copy(update={"tasks": (task,)})
    result = ground_parse(parse, SceneGraph.from_dict(CUPS_AND_DRAWERS), default_library)
    (binding,) = result.tasks[0].bindings
    assert (list(binding.members) or None) == bound and [e.code for e in result.errors][:1] == ([code] if code else [])
    assert "salt_1" not in binding.candidates


def test_what_an_earlier_task_changed_counts_for_the_next(default_library):
    scene = copy.deepcopy(CUPS_AND_DRAWERS)
    next(o for o in scene["objects"] if o["id"] == "drawer_b")["states"]["open"] = True
    parse = parse_of("open the drawer and close the drawer",
                     "0 0 Opening ; 2 2 Container_portal | 4 4 Opening ; 6 6 Container_portal",
                     "opening : open , container_portal : drawer :drawer ; opening : close , container_portal : "
                     "drawer :drawer")
    result = ground_parse(parse, SceneGraph.from_dict(scene), default_library)
    opened, closed = (t.bindings[0] for t in result.tasks)
    # the closed drawer is opened; then both are open: which to close is a question, not the one open at the start
    assert opened.node == "drawer_a" and closed.node is None and set(closed.candidates) == {"drawer_a", "drawer_b"}


def test_a_pronoun_follows_its_antecedents_question(default_library):
    result = _ground(default_library, "check the lamp and turn it off",
                     "0 0 Inspecting ; 2 2 Theme | 4 4 Changing_operational_state ; 2 2 Device ; 6 6 Operational_state",
                     "inspecting : check , theme : lamp :lamp ; changing_operational_state : turn , device : lamp :lamp"
                     " , operational_state : off :unk")
    device = next(b for t in result.tasks for b in t.bindings if b.role == "Device")
    assert device.node is None and set(device.candidates) == {"lamp_on", "lamp_off"}


def test_the_other_place_is_not_where_the_thing_is(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "b"}], "objects": [
        {"id": "towel_1", "class": "towel", "room": "b", "affordances": ["pickable"]},
        {"id": "holder_1", "class": "towel_holder", "room": "b", "affordances": ["receptacle"]},
        {"id": "holder_2", "class": "towel_holder", "room": "b", "affordances": ["receptacle"]}],
        "relations": [{"subject": "towel_1", "predicate": "on", "object": "holder_1"}]})
    parse = parse_of("put the towel on the other holder", "0 0 Placing ; 2 2 Theme ; 5 6 Goal",
                     "placing : put , theme : towel :towel , goal : other holder :unk")
    assert ("Goal", "holder_2") in _bound(ground_parse(parse, scene, default_library))


def test_a_question_about_an_attribute_word_asks_with_the_things_label(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "c"}], "objects": [
        {"id": "book_1", "class": "book", "room": "c", "attributes": {"color": "red"}, "affordances": ["pickable"]},
        {"id": "book_2", "class": "book", "room": "c", "attributes": {"color": "blue"}, "affordances": ["pickable"]}]})
    parse = parse_of("take the book that is not blue", "0 0 Picking ; 6 6 Theme", "picking : take , theme : blue :book")
    (question,) = ground_parse(parse, scene, default_library).clarifications
    assert question.question.startswith("Which book do you mean")


def test_the_other_place_waits_for_the_thing_asked_about(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "b"}], "objects": [
        {"id": "towel_1", "class": "towel", "room": "b", "affordances": ["pickable"]},
        {"id": "towel_2", "class": "towel", "room": "b", "affordances": ["pickable"]},
        *({"id": f"holder_{i}", "class": "towel_holder", "room": "b", "affordances": ["receptacle"]}
          for i in (1, 2, 3))],
        "relations": [{"subject": "towel_1", "predicate": "on", "object": "holder_1"},
                      {"subject": "towel_2", "predicate": "on", "object": "holder_2"}]})
    parse = parse_of("put the towel on the other holder", "0 0 Placing ; 2 2 Theme ; 5 6 Goal",
                     "placing : put , theme : towel :towel , goal : other holder :unk")
    assert ("Goal", None) in _bound(ground_parse(parse, scene, default_library))   # not holder_3 silently


def test_a_colour_word_that_names_the_things_asks_with_it(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "orange_1", "class": "orange", "room": "k", "attributes": {"size": "small"},
         "affordances": ["pickable"]},
        {"id": "orange_2", "class": "orange", "room": "k", "attributes": {"size": "large"},
         "affordances": ["pickable"]}]})
    parse = parse_of("take the orange", "0 0 Picking ; 2 2 Theme", "picking : take , theme : orange :unk")
    (question,) = ground_parse(parse, scene, default_library).clarifications
    assert question.question.startswith("Which orange do you mean")


OWNED = {
    "rooms": [{"id": "office"}],
    "people": [{"id": "maria", "name": "Maria", "room": "office"}, {"id": "tom", "name": "Tom", "room": "office"}],
    "objects": [
        {"id": "mug_m", "class": "cup", "name": "mug", "room": "office", "attributes": {"owner": "maria"},
         "affordances": ["pickable"]},
        {"id": "mug_t", "class": "cup", "name": "mug", "room": "office", "attributes": {"owner": "tom"},
         "affordances": ["pickable"]},
        {"id": "mug_x", "class": "cup", "name": "mug", "room": "office", "affordances": ["pickable"]}],
}


@pytest.mark.parametrize("text, rows, roles, bound", [
    ("bring Maria her mug", "0 0 Bringing ; 1 1 Recipient ; 2 3 Theme",
     "bringing : bring , recipient : maria :person , theme : her mug :cup", "mug_m"),
    ("bring me Tom 's mug", "0 0 Bringing ; 1 1 Recipient ; 2 4 Theme",
     "bringing : bring , recipient : me :person , theme : tom 's mug :cup", "mug_t"),
])
def test_a_possessive_binds_what_the_person_owns(default_library, text, rows, roles, bound):
    result = ground_parse(parse_of(text, rows, roles), SceneGraph.from_dict(OWNED), default_library)
    assert result.tasks[0].parameters["object"] == bound and not result.clarifications


def test_a_possessive_of_a_person_owning_none_leaves_the_things_of_no_owner(default_library):
    scene = SceneGraph.from_dict({**OWNED, "objects": [o for o in OWNED["objects"] if o["id"] != "mug_t"]})
    parse = parse_of("give Tom his mug", "0 0 Giving ; 1 1 Recipient ; 2 3 Theme",
                     "giving : give , recipient : tom :person , theme : his mug :cup")
    result = ground_parse(parse, scene, default_library)
    assert result.tasks[0].parameters["object"] == "mug_x"   # not Maria's


@pytest.mark.parametrize("text, rows, roles", [
    ("bring me something to drink", "0 0 Bringing ; 1 1 Recipient ; 2 2 Theme",
     "bringing : bring , recipient : me :person , theme : something :unk"),
    ("bring me something to drink", "0 0 Bringing ; 1 1 Recipient ; 2 4 Theme",
     "bringing : bring , recipient : me :person , theme : something to drink :unk"),
])
def test_something_for_a_purpose_is_what_the_purpose_asks_for(default_library, text, rows, roles):
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "mug_1", "class": "cup", "name": "mug", "room": "k", "attributes": {"contents": "coffee"},
         "affordances": ["pickable"]},
        {"id": "book_1", "class": "book", "room": "k", "affordances": ["pickable"]}]})
    result = ground_parse(parse_of(text, rows, roles), scene, default_library)
    assert result.tasks[0].parameters["object"] == "mug_1"


def test_a_room_after_the_one_thing_named_must_hold_it(scene, library):
    parse = parse_of("take the apple in the hall", "0 0 Picking ; 2 2 Theme", "picking : take , theme : apple :apple")
    (error,) = ground(parse, scene, library).errors
    assert error.code == "description_mismatch" and "hall" in error.message
    parse = parse_of("take the apple in the kitchen", "0 0 Picking ; 2 2 Theme",
                     "picking : take , theme : apple :apple")
    assert ground(parse, scene, library).tasks[0].parameters["object"] == "apple_1"


@pytest.mark.parametrize("rows, source", [
    ("0 0 Picking ; 2 2 Theme ; 4 4 Source", "shelf"),      # the number left out of the span
    ("0 0 Picking ; 2 2 Theme ; 4 5 Source", "shelf 2"),
])
def test_a_noun_and_a_number_name_a_node(default_library, rows, source):
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": f"shelf_{i}", "class": "shelf", "room": "k", "affordances": ["receptacle"]} for i in (1, 2)] + [
        {"id": f"mug_{i}", "class": "cup", "name": "mug", "room": "k", "affordances": ["pickable"]} for i in (1, 2)],
        "relations": [{"subject": f"mug_{i}", "predicate": "on", "object": f"shelf_{i}"} for i in (1, 2)]})
    parse = parse_of("take the mug from shelf 2", rows, f"picking : take , theme : mug :cup , source : {source} :shelf")
    result = ground_parse(parse, scene, default_library)
    assert result.tasks[0].parameters == {"object": "mug_2", "source": "shelf_2"}


@pytest.mark.parametrize("text, second", [("take the red mug and take the blue one", "blue one"),
                                          ("take the red mug and take the other one", "other one")])
def test_one_takes_the_kind_named_before(scene, library, text, second):
    parse = parse_of(text, "0 0 Picking ; 2 3 Theme | 5 5 Picking ; 7 8 Theme",
                     f"picking : take , theme : red mug :cup ; picking : take , theme : {second} :unk")
    out = ground(parse, scene, library)
    assert [t.parameters.get("object") for t in out.tasks] == ["mug_1", "mug_2"] and not out.clarifications


def test_things_listed_after_a_theme_the_parse_cut_short_are_brought_too(default_library):
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": f"{c}_1", "class": c, "room": "k", "affordances": ["pickable"]} for c in ("salt", "pepper")] + [
        {"id": "table_1", "class": "table", "room": "k", "affordances": ["receptacle"]}]})
    parse = parse_of("bring the salt and pepper to the table", "0 0 Bringing ; 2 2 Theme ; 7 7 Goal",
                     "bringing : bring , theme : salt :unk , goal : table :table")
    (task,) = ground_parse(parse, scene, default_library).tasks
    assert task.sets["object"] == ("salt_1", "pepper_1") and task.parameters["goal"] == "table_1"
    parse = parse_of("bring the salt and go to the table", "0 0 Bringing ; 2 2 Theme | 4 4 Motion ; 7 7 Goal",
                     "bringing : bring , theme : salt :unk ; motion : go , goal : table :table")
    assert ground_parse(parse, scene, default_library).tasks[0].parameters["object"] == "salt_1"   # a verb after


def test_an_agent_naming_no_one_is_a_warning_not_a_failure(scene, library):
    parse = parse_of("Bob take the apple", "1 1 Picking ; 0 0 Agent ; 3 3 Theme",
                     "picking : take , agent : bob :unk , theme : apple :apple")
    out = ground(parse, scene, library)
    assert out.tasks[0].status == "grounded" and not out.errors
    assert any(w.role == "Agent" and "names no one" in w.message for w in out.warnings)


GARAGE = {"rooms": [{"id": "garage"}, {"id": "workshop"}], "agent": {"room": "garage"}, "objects": [
    {"id": "radio_1", "class": "radio", "room": "workshop", "states": {"on": True},
     "affordances": ["pickable", "toggleable"]},
    {"id": "lamp_1", "class": "lamp", "name": "work light", "room": "workshop", "states": {"on": True},
     "affordances": ["toggleable"]},
    {"id": "switch_1", "class": "light_switch", "room": "garage", "states": {"on": False},
     "affordances": ["toggleable"]}]}


@pytest.mark.parametrize("text, spans, texts, bound, code", [
    # the one radio is in the workshop: a room tagged after it rules it out, as the words after it would
    ("turn off the radio in the garage", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device ; "
     "6 6 Source ; 6 6 Area", "changing_operational_state : turn , operational_state : off :unk , device : radio "
     ":unk , source : garage :unk , area : garage :unk", None, "description_mismatch"),
    # no light in the garage but its switch (the work light elsewhere is already on: no empty plan on it)
    ("turn on the light in the garage", "0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device ; "
     "6 6 Source ; 6 6 Area", "changing_operational_state : turn , operational_state : on :unk , device : light "
     ":lamp , source : garage :unk , area : garage :unk", "switch_1", None),
    # an Area alone may be where the thing goes (a parse that lost the Goal): the one radio stays
    ("bring the radio to the garage", "0 0 Bringing ; 2 2 Theme ; 5 5 Area",
     "bringing : bring , theme : radio :unk , area : garage :unk", "radio_1", None),
])
def test_a_tagged_room_rules_out_the_one_thing_named_elsewhere(default_library, text, spans, texts, bound, code):
    result = ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(GARAGE), default_library)
    assert [b.node for t in result.tasks for b in t.bindings if b.role in ("Device", "Theme")] == [bound]
    assert [e.code for e in result.errors if e.role in ("Device", "Theme")] == ([code] if code else [])


def test_a_thing_is_not_the_place_it_is_put(default_library):
    parse = parse_of("put the radio on the radio", "0 0 Placing ; 2 2 Theme ; 5 5 Goal",
                     "placing : put , theme : radio :unk , goal : radio :unk")
    scene = SceneGraph.from_dict(GARAGE | {"objects": [{**GARAGE["objects"][0],
                                                         "affordances": ["pickable", "receptacle"]}]})
    result = ground_parse(parse, scene, default_library)
    assert not result.plan and [(e.role, e.code) for e in result.errors] == [("Goal", "affordance_violation")]
