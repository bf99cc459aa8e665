"""Matching descriptions to nodes: names, synonyms, classes, rooms, attributes, relations."""

import copy

import pytest

from grounding import SceneGraph, default_lexicon
from grounding.describe import describe
from grounding.match import KIND_FILTER, Matcher


@pytest.fixture
def match(apartment):
    matcher = Matcher(apartment, default_lexicon())

    def run(text, kind="object", cls=None):
        return matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER[kind], cls)
    return run


@pytest.mark.parametrize("text, kind, nodes", [
    ("the couch", "location", ("sofa_l",)),                       # alias
    ("the desk", "location", ("hall_table", "kitchen_table", "coffee_table", "nightstand_b")),  # synonym -> class
    ("the red mug", "object", ("mug_red",)),                      # attribute
    ("the kitchen sink", "location", ("sink_k",)),                # room before the noun
    ("the book on the shelf", "object", ("book_blue",)),          # relation
    ("the mug next to the sink", "object", ("mug_red",)),         # derived near
    ("the living room", "location", ("living_room",)),            # room by name
    ("me", "person", ("user",)),
])
def test_matches(match, text, kind, nodes):
    assert set(match(text, kind).nodes) == set(nodes)


def test_class_from_the_extractor_stands_in_for_an_unknown_word(match):
    assert match("the beaker", cls="glass").nodes == ("glass_k",)
    assert match("mary", kind="person", cls="person").code == "object_not_found"


def test_failures_say_why_and_what_came_nearest(match):
    missing = match("the umbrela")
    assert missing.code == "object_not_found" and not missing.nodes
    wrong = match("the blue mug")
    assert wrong.code == "description_mismatch" and set(wrong.nearest) == {"mug_red", "mug_white"}
    assert "no mug is blue" in wrong.reason
    near_miss = match("the boks")
    assert near_miss.code == "object_not_found" and set(near_miss.nearest) <= {"book_red", "book_blue", "book_bed",
                                                                                 "boots_1"}
    assert near_miss.nearest


def match_in(scene_data, text):
    """The nodes `text` names in a scene built from `scene_data` (any kind)."""
    return Matcher(SceneGraph.from_dict(scene_data), default_lexicon()).match(
        describe(text.split(), default_lexicon()), KIND_FILTER[None]).nodes


PARTS = {"objects": [{"id": "tub", "class": "bathtub"}, {"id": "basin", "class": "bathtub", "name": "bathtub basin"},
                     {"id": "shelf", "class": "shelf"},
                     {"id": "top", "class": "shelf", "attributes": {"level": "top"}}],
         "relations": [{"subject": "basin", "predicate": "part_of", "object": "tub"},
                       {"subject": "top", "predicate": "part_of", "object": "shelf"}]}


@pytest.mark.parametrize("text, nodes", [
    ("the bathtub", ("tub",)),                 # the part does not compete with its whole
    ("the bathtub basin", ("basin",)),         # words that name the part alone
    ("the top shelf", ("top",)),               # an attribute only the part has
    ("the shelf", ("shelf",)),
])
def test_a_part_gives_way_to_its_whole(text, nodes):
    assert match_in(PARTS, text) == nodes


def test_what_a_part_of_its_class_holds_its_whole_holds():
    held = copy.deepcopy(PARTS)
    held["objects"] += [{"id": "book", "class": "book"}, {"id": "duck", "class": "toy", "name": "duck"}]
    held["relations"] += [{"subject": "book", "predicate": "on", "object": "top"},
                          {"subject": "duck", "predicate": "in", "object": "basin"}]
    assert match_in(held, "the book on the shelf") == ("book",)   # the landmark is the shelf, the book on its top
    assert match_in(held, "the duck in the bathtub") == ("duck",)


CONTAINERS = {"objects": [{"id": "glass_1", "class": "glass"}, {"id": "bottle_1", "class": "bottle"},
                          {"id": "wine_glass", "class": "glass", "name": "wine glass"},
                          {"id": "wine_bottle", "class": "wine_bottle", "name": "wine bottle"}]}


@pytest.mark.parametrize("text, nodes", [
    ("a glass of water", ("glass_1",)),              # a glass named for another substance gives way
    ("a glass of wine", ("wine_glass",)),            # the one named for the substance comes first
    ("the bottle of wine", ("wine_bottle",)),
    ("the glass", ("glass_1", "wine_glass")),        # no contents said: both are glasses
])
def test_a_container_of_a_substance(text, nodes):
    assert match_in(CONTAINERS, text) == nodes


def test_a_container_the_map_says_holds_a_substance():
    mugs = {"objects": [{"id": "mug_1", "class": "cup", "name": "mug", "attributes": {"contents": "coffee"}},
                        {"id": "mug_2", "class": "cup", "name": "mug"},
                        {"id": "mug_3", "class": "cup", "name": "mug", "attributes": {"contents": "Water"}}]}
    assert match_in(mugs, "the mug of coffee") == ("mug_1",)
    assert match_in(mugs, "a mug of water") == ("mug_3",)
    assert match_in(mugs, "a mug of tea") == ("mug_2",)   # none holds tea: not one holding something else


FAUCETS = {"objects": [{"id": "tub", "class": "bathtub"}, {"id": "sink", "class": "sink"},
                       {"id": "shower", "class": "shower"}, {"id": "f_tub", "class": "faucet"},
                       {"id": "f_sink", "class": "faucet"}],
           "relations": [{"subject": "f_tub", "predicate": "in", "object": "tub"},
                         {"subject": "f_sink", "predicate": "part_of", "object": "sink"}]}


@pytest.mark.parametrize("text, nodes", [
    ("the bathtub faucet", ("f_tub",)),                 # a modifier naming a landmark is a relation to it
    ("the sink faucet", ("f_sink",)),
    ("the basin faucet", ("f_sink",)),                  # by a synonym of the landmark's class
    ("the shower faucet", ("f_tub", "f_sink")),         # no faucet relates to the shower: the word narrows nothing
])
def test_a_noun_modifier_naming_a_landmark(text, nodes):
    assert match_in(FAUCETS, text) == nodes


SWITCHES = {"rooms": [{"id": "hall"}, {"id": "bathroom"}],
            "objects": [{"id": "switch_h", "class": "switch", "name": "light switch", "room": "hall"},
                        {"id": "switch_b", "class": "light_switch", "room": "bathroom"},
                        {"id": "switch_g", "class": "switch", "name": "garbage disposal switch", "room": "hall"},
                        {"id": "mug", "class": "cup", "room": "hall"}]}


@pytest.mark.parametrize("text, cls, nodes", [
    ("the light", None, ("switch_h", "switch_b")),      # light -> lamp, worked by light switches of either class
    ("the lights", "lamp", ("switch_h", "switch_b")),   # a plural names the device too
    ("the bathroom light", None, ("switch_b",)),        # the rest of the words still narrow
    ("the lamp", "lamp", ("switch_h", "switch_b")),     # never the garbage disposal switch
    ("the bulb", None, ("switch_h", "switch_b")),
    ("the torch", "lamp", ()),                          # a flashlight: no wall switch works it, whatever the class
    ("the overhead", "lamp", ("switch_h", "switch_b")),  # the class stands in for a word the lexicon does not know
    ("the mug", "cup", ()),                             # nothing works a mug
])
def test_a_device_names_the_switches_that_work_it(text, cls, nodes):
    matcher = Matcher(SceneGraph.from_dict(SWITCHES), default_lexicon())
    found = matcher.switches(describe(text.split(), default_lexicon()), KIND_FILTER["object"], cls)
    assert found.nodes == nodes and (found.code == "object_not_found") == (not nodes)


BOXES = {"objects": [{"id": "box_1", "class": "box", "name": "cardboard box", "attributes": {"material": "cardboard"}},
                     {"id": "box_2", "class": "box", "attributes": {"material": "plastic"}},
                     {"id": "box_3", "class": "box", "name": "wooden box"}]}


@pytest.mark.parametrize("text, nodes", [
    ("the cardboard box", ("box_1",)),      # the word is in its name (and cardboard is paper to the lexicon)
    ("the paper box", ("box_1",)),          # the recorded value counts in the lexicon's words
    ("the wooden box", ("box_3",)),         # named so, no material recorded: ranks above the others
    ("the plastic box", ("box_2",)),
])
def test_an_attribute_word_in_the_name_or_in_other_words_agrees(text, nodes):
    assert match_in(BOXES, text) == nodes


BOOKS = {"objects": [{"id": "coffee_table", "class": "table", "name": "coffee table"},
                     {"id": "dining_table", "class": "table", "name": "dining table"},
                     {"id": "book_c", "class": "book"}, {"id": "book_d", "class": "book"},
                     {"id": "book_s", "class": "book"}],
         "relations": [{"subject": "book_c", "predicate": "on", "object": "coffee_table"},
                       {"subject": "book_d", "predicate": "on", "object": "dining_table"}]}


@pytest.mark.parametrize("text, nodes", [
    ("the coffee table book", ("book_c",)),     # the phrase names one table, not any table
    ("the dining table book", ("book_d",)),
    ("the table book", ("book_c", "book_d")),   # a word alone: any table
])
def test_a_modifier_phrase_is_read_longest_first(text, nodes):
    assert match_in(BOOKS, text) == nodes


SHELVES = {"objects": [{"id": "low", "class": "shelf", "position": [1, 1, 0.4]},
                       {"id": "high", "class": "shelf", "position": [1, 1, 1.6]},
                       {"id": "mid", "class": "shelf", "position": [1, 1, 1.0]}]}


@pytest.mark.parametrize("scene, text, nodes", [
    (SHELVES, "the top shelf", ("high",)), (SHELVES, "the upper shelf", ("high",)),
    (SHELVES, "the bottom shelf", ("low",)), (SHELVES, "the shelf", ("low", "high", "mid")),
    (SHELVES, "the second shelf", ("mid",)), (SHELVES, "the third shelf", ("low",)),   # counted from the top
    (SHELVES, "the first shelf from the bottom", ("low",)), (SHELVES, "the middle shelf", ("mid",)),
    (SHELVES, "the fourth shelf", ("low", "high", "mid")),                           # no such one: all stay
    ({"objects": [{"id": "a", "class": "shelf", "position": [0, 0]},        # a floor map: no heights to compare
                  {"id": "b", "class": "shelf", "position": [1, 1]}]}, "the top shelf", ("a", "b")),
    ({"objects": [{**SHELVES["objects"][0], "attributes": {"level": "top"}}, SHELVES["objects"][1]]},
     "the top shelf", ("low",)),                                              # a recorded level comes first
    ({"objects": [*SHELVES["objects"], {"id": "garage", "class": "shelf", "position": [6, 1, 1.8]}]},
     "the top shelf", ("low", "high", "mid", "garage")),                     # two stacks: which one is asked
])
def test_top_and_bottom_by_height_where_no_level_is_recorded(scene, text, nodes):
    assert match_in(scene, text) == nodes


def test_a_room_named_after_a_word_that_is_also_its_id_is_named_by_its_whole_name():
    """'the laundry room' of a room with id `laundry`: the room itself, not 'a room in the laundry'."""
    scene = SceneGraph.from_dict({"rooms": [{"id": "laundry", "name": "laundry room"}, {"id": "garage"}],
                                  "objects": [{"id": "shelf_l", "class": "shelf", "room": "laundry"},
                                              {"id": "shelf_g", "class": "shelf", "room": "garage"}]})
    matcher = Matcher(scene, default_lexicon())
    run = lambda text, kind: matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER[kind], None)
    assert run("the laundry room", "location").nodes == ("laundry",)
    assert run("the laundry shelf", "location").nodes == ("shelf_l",)   # a room before another noun still filters


@pytest.fixture
def named_apart():
    """Look-alikes whose map names differ from their classes, and things only a category word names."""
    return SceneGraph.from_dict({"rooms": [{"id": "kids"}], "objects": [
        {"id": "teddy_1", "class": "teddy_bear", "name": "teddy bear", "room": "kids"},
        {"id": "rabbit_1", "class": "teddy_bear", "name": "stuffed rabbit", "room": "kids"},
        {"id": "fan_1", "class": "appliance", "name": "box fan", "room": "kids"},
        {"id": "banana_1", "class": "banana", "room": "kids"},
        {"id": "ball_1", "class": "ball", "room": "kids"},
        {"id": "cup_1", "class": "cup", "name": "cup", "room": "kids"},
        {"id": "cup_2", "class": "cup", "name": "red cup", "room": "kids"},
        {"id": "cup_3", "class": "cup", "room": "kids"}]})


@pytest.mark.parametrize("text, cls, nodes", [
    ("the teddy bear", None, ("teddy_1", "rabbit_1")),  # by class both (`named_first` tells them apart)
    ("the stuffed rabbit", None, ("rabbit_1",)),
    ("the fan", None, ("fan_1",)),                    # the head word of a name
    ("the fruit", None, ("banana_1",)),               # a category word
    ("the toys", None, ("teddy_1", "rabbit_1", "ball_1")),
    ("the cup", None, ("cup_1", "cup_2", "cup_3")),   # every cup: "red cup" and an unnamed cup are cups too
])
def test_names_heads_and_categories(named_apart, text, cls, nodes):
    matcher = Matcher(named_apart, default_lexicon())
    found = matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER["object"], cls)
    assert set(found.nodes) == set(nodes)


@pytest.mark.parametrize("text, nodes", [
    ("the teddy bear", ("teddy_1",)),                 # named so, before a "stuffed rabbit" of that class
    ("the teddy", ("teddy_1", "rabbit_1")),           # no node is named "teddy": a question
    ("the cup", ("cup_1", "cup_2", "cup_3")),         # a "red cup" and an unnamed cup stay beside the "cup"
])
def test_a_node_named_by_the_very_phrase_comes_first(named_apart, text, nodes):
    matcher = Matcher(named_apart, default_lexicon())
    desc = describe(text.split(), default_lexicon())
    found = matcher.match(desc, KIND_FILTER["object"], "teddy_bear" if "teddy" in text else "cup")
    assert set(matcher.named_first(desc, found.nodes)) == set(nodes)


def test_a_name_meaning_the_same_comes_before_the_class():
    scene = SceneGraph.from_dict({"rooms": [{"id": "bed"}, {"id": "den", "name": "living room"}], "objects": [
        {"id": "desk_1", "class": "table", "name": "desk", "room": "bed"},
        {"id": "side_1", "class": "table", "name": "side table", "room": "bed"},
        {"id": "can_1", "class": "garbage_bag", "name": "trash can", "room": "bed"},
        {"id": "bin_1", "class": "garbage_bag", "name": "recycling bin", "room": "bed"},
        {"id": "tv_1", "class": "tv", "name": "tv", "room": "den"},
        {"id": "tv_2", "class": "tv", "name": "television", "room": "den"}]})
    matcher = Matcher(scene, default_lexicon())

    def named(text, kind="location"):
        desc = describe(text.split(), default_lexicon())
        return set(matcher.named_first(desc, matcher.match(desc, KIND_FILTER[kind]).nodes))

    assert named("the nightstand") == {"side_1"}
    assert named("the table") == {"desk_1", "side_1"}
    assert named("the bin", "object") == {"can_1", "bin_1"}     # a "bin" by its own name stays beside the trash can
    assert named("the tv", "object") == {"tv_1", "tv_2"}         # "television" means the same as "tv"
    assert named("the room") == set()                            # no room named "... room" by its last word


def test_nearest_and_farthest_from_the_robot():
    scene = SceneGraph.from_dict({"rooms": [{"id": "g"}], "agent": {"room": "g", "position": [0, 0, 0]},
                                  "objects": [{"id": "box_near", "class": "box", "room": "g", "position": [1, 1, 0]},
                                              {"id": "box_far", "class": "box", "room": "g", "position": [5, 0, 0]}]})
    matcher = Matcher(scene, default_lexicon())
    for text, nodes in (("the nearest box", ("box_near",)), ("the farthest box", ("box_far",)),
                        ("the box", ("box_near", "box_far"))):
        desc = describe(text.split(), default_lexicon())
        assert matcher.nearest_first(desc, matcher.match(desc, KIND_FILTER["object"]).nodes) == nodes


def test_what_a_map_says_holds_a_substance():
    scene = SceneGraph.from_dict({"rooms": [{"id": "r"}], "objects": [
        {"id": "cup_1", "class": "cup", "room": "r", "attributes": {"contents": "water"}},
        {"id": "mug_1", "class": "cup", "name": "mug", "room": "r", "attributes": {"contents": "coffee"}},
        {"id": "glasses_1", "class": "glasses", "name": "reading glasses", "room": "r"}]})
    matcher = Matcher(scene, default_lexicon())
    for text, nodes in (("a glass of water", ("cup_1",)), ("my coffee", ("mug_1",)),
                        ("a drink", ("cup_1", "mug_1"))):   # a category of substances: what holds one
        assert matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER["object"]).nodes == nodes


def test_words_before_the_noun_in_some_names_keep_those():
    scene = SceneGraph.from_dict({"rooms": [{"id": "c"}], "objects": [
        {"id": "book_1", "class": "book", "name": "math textbook", "room": "c"},
        {"id": "book_2", "class": "book", "name": "novel", "room": "c"},
        {"id": "desk_1", "class": "desk", "name": "teacher's desk", "room": "c"},
        {"id": "desk_2", "class": "desk", "name": "student desk", "room": "c"}]})
    matcher = Matcher(scene, default_lexicon())
    for tokens, kind, nodes in ((["the", "math", "book"], "object", ("book_1",)),
                                (["the", "teacher", "'s", "desk"], "location", ("desk_1",))):
        assert matcher.match(describe(tokens, default_lexicon()), KIND_FILTER[kind]).nodes == nodes


def test_a_possessive_before_the_noun_is_still_a_landmark():
    scene = SceneGraph.from_dict({"rooms": [{"id": "l"}], "objects": [
        {"id": "sofa_1", "class": "sofa", "room": "l"}, {"id": "bed_1", "class": "bed", "room": "l"},
        {"id": "pillow_s", "class": "pillow", "room": "l"}, {"id": "pillow_b", "class": "pillow", "room": "l"}],
        "relations": [{"subject": "pillow_s", "predicate": "on", "object": "sofa_1"},
                      {"subject": "pillow_b", "predicate": "on", "object": "bed_1"}]})
    desc = describe(["the", "sofa", "'s", "pillow"], default_lexicon())
    assert Matcher(scene, default_lexicon()).match(desc, KIND_FILTER["object"]).nodes == ("pillow_s",)


def test_a_name_written_together_or_apart_is_one_name():
    scene = SceneGraph.from_dict({"rooms": [{"id": "l"}], "objects": [
        {"id": "arm_chair_1", "class": "chair", "name": "arm chair", "room": "l"},
        {"id": "chair_1", "class": "chair", "room": "l"},
        {"id": "tv_1", "class": "tv", "name": "tv-stand", "room": "l"}]})
    matcher = Matcher(scene, default_lexicon())
    for text, nodes in (("the armchair", ("arm_chair_1",)), ("the arm-chair", ("arm_chair_1",)),
                        ("the tv stand", ("tv_1",))):
        assert matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER["object"]).nodes == nodes


def test_contents_of_several_words():
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "bottle_1", "class": "bottle", "room": "k", "attributes": {"contents": "olive oil"}},
        {"id": "bottle_2", "class": "bottle", "room": "k", "attributes": {"contents": "sunflower oil"}},
        {"id": "bottle_3", "class": "bottle", "room": "k", "attributes": {"contents": "maple syrup"}}]})
    matcher = Matcher(scene, default_lexicon())
    for text, nodes in (("the olive oil", ("bottle_1",)), ("the oil", ("bottle_1", "bottle_2")),
                        ("the syrup", ("bottle_3",))):
        assert matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER["object"]).nodes == nodes


def test_a_thing_named_for_what_it_holds():
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "jar_1", "class": "jar", "room": "k", "attributes": {"contents": "screws"}},
        {"id": "jar_2", "class": "jar", "room": "k", "attributes": {"contents": "nails"}},
        {"id": "box_1", "class": "box", "name": "box of gloves", "aliases": ["gloves"], "room": "k"},
        {"id": "box_2", "class": "box", "room": "k"},
        {"id": "lid_1", "class": "lid", "room": "k"},
        {"id": "vial_1", "class": "vial", "name": "insulin vial", "room": "k"},
        {"id": "vial_2", "class": "vial", "name": "saline vial", "room": "k"}],
        "relations": [{"subject": "lid_1", "predicate": "part_of", "object": "jar_1"}]})
    matcher = Matcher(scene, default_lexicon())
    for text, nodes in (("the jar of screws", ("jar_1",)), ("the box of gloves", ("box_1",)),
                        ("the vial of insulin", ("vial_1",)),
                        ("the lid of the jar", ("lid_1",))):   # "of the": a part, not contents
        assert matcher.match(describe(text.split(), default_lexicon()), KIND_FILTER["object"]).nodes == nodes
