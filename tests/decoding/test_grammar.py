import warnings

import pytest

from decoding.errors import DecodingError
from decoding.grammar import ActionSpace, Grammar, OutputSpec, _vocabulary
from decoding.tage_format import read_row

SPACE = ActionSpace(["Picking", "Motion", "Placing"], ["Theme", "Goal", "Source"], ["cup", "table", "unk"])
SPEC = OutputSpec({"Picking": ("Theme", "Source"), "Motion": ("Goal",)}, {"Picking": (("Theme",),)}, 3, 2)


def _walk(grammar, actions):
    state = grammar.start
    for action in actions:
        state = grammar.advance(state, action)
    return state


def test_index_allows_known_types_and_their_roles_only(tmp_path):
    g = Grammar(SPEC, SPACE, tmp_path)
    start = g.allowed(g.start)
    assert {SPACE.type0, SPACE.type0 + 1} <= start and SPACE.type0 + 2 not in start  # Placing has no skill
    assert SPACE.STOP in start  # an empty output is valid
    after_trigger = _walk(g, [SPACE.type0, SPACE.word, SPACE.word])
    roles = g.allowed_range(after_trigger, SPACE.role0, 3)
    assert roles == (0, 2)  # Theme and Source, not Goal
    assert SPACE.STOP not in g.allowed(after_trigger)  # no end of output inside a task


def test_bounds_on_arguments_and_tasks(tmp_path):
    g = Grammar(SPEC, SPACE, tmp_path)
    arg = [SPACE.role0, SPACE.word, SPACE.word, SPACE.class0]
    state = _walk(g, [SPACE.type0, SPACE.word, SPACE.word] + arg + arg)
    assert g.allowed(state) == frozenset({SPACE.END})  # max_arguments = 2
    task = [SPACE.type0 + 1, SPACE.word, SPACE.word, SPACE.END]
    assert g.allowed(_walk(g, task * 3)) == frozenset({SPACE.STOP})  # max_tasks = 3


def test_cache_is_reused_and_stale_or_corrupt_files_are_rebuilt_with_a_warning(tmp_path):
    Grammar(SPEC, SPACE, tmp_path)
    (cached,) = tmp_path.glob("grammar-*.npy")
    data = cached.read_bytes()
    assert data.startswith(b"TAGE-GRAMMAR-3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Grammar(SPEC, SPACE, tmp_path)  # from the cache, silently
    cached.write_bytes(data[:-10] + b"0123456789")
    with pytest.warns(UserWarning, match="corrupt"):
        g = Grammar(SPEC, SPACE, tmp_path)
    assert SPACE.STOP in g.allowed(g.start)
    cached.write_bytes(b"something else entirely")
    with pytest.warns(UserWarning, match="stale"):
        Grammar(SPEC, SPACE, tmp_path)
    cached.write_bytes(data[: len(data) // 2])  # a file cut short by a crash
    with pytest.warns(UserWarning, match="corrupt"):
        rebuilt = Grammar(SPEC, SPACE, tmp_path)
    assert rebuilt.automaton.to_bytes() == Grammar(SPEC, SPACE, None).automaton.to_bytes()


def test_the_automaton_allows_what_the_outlines_index_allows():
    from outlines_core import Index

    g = Grammar(SPEC, SPACE, None)
    index = Index(g._regex(), _vocabulary(SPACE))
    states = set(g.automaton.transitions[:, 0].tolist()) | set(g.automaton.transitions[:, 2].tolist())
    for state in states:
        assert g.allowed(state) == frozenset(index.get_allowed_tokens(state) or ())


@pytest.mark.parametrize("spec_args, message", [
    (({},), "no task type"),
    (({"Picking": ("Source",)}, {"Picking": (("Theme",),)}), "requires role"),
    (({"Picking": ("Theme",)}, {"Motion": (("Goal",),)}), "unknown task type"),
])
def test_empty_or_contradictory_inventory_is_refused(spec_args, message):
    with pytest.raises(DecodingError, match=message):
        OutputSpec(*spec_args)


def test_inventory_unknown_to_the_model_is_refused(tmp_path):
    with pytest.raises(DecodingError, match="not in the model's label set"):
        Grammar(OutputSpec({"Cooking": ("Theme",)}), SPACE, tmp_path)


def test_problems_lists_what_the_inventory_forbids():
    parse, _ = read_row("pick from the table", "0 0 Picking ; 3 3 Source", "picking : pick , source : table :table")
    assert SPEC.problems(parse) == ["task 0 (Picking): names none of ['Theme']"]
    ok, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    assert SPEC.problems(ok) == []
