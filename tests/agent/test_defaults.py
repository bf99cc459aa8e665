"""The shipped defaults are read once, but no caller can change what another gets."""

from agent.defaults import load_library, rule_parser


def test_each_caller_gets_a_skill_library_of_its_own():
    mine = load_library()
    del mine.skills["pick"]
    mine.by_task_type.clear()
    fresh = load_library()
    assert "pick" in fresh.skills and fresh.by_task_type


def test_each_rule_parser_has_a_lexicon_of_its_own():
    mine = rule_parser()
    before = [t.type for t in rule_parser().parse("pick up the box").tasks]
    mine.lexicon.phrases.clear()
    assert not mine.parse("pick up the box").tasks
    assert [t.type for t in rule_parser().parse("pick up the box").tasks] == before == ["Picking"]


def test_an_edited_skill_file_is_read_again(tmp_path):
    path = tmp_path / "mine.yaml"
    skill = ("skills:\n  - name: wave\n    description: {text}\n    task_types: [Motion]\n    cues: [wave]\n"
             "    parameters:\n      - {{name: destination, roles: [Goal], kind: location, required: false}}\n")
    path.write_text(skill.format(text="Wave a hand."))
    assert load_library(path).skills["wave"].description == "Wave a hand."
    path.write_text(skill.format(text="Wave both hands."))
    assert load_library(path).skills["wave"].description == "Wave both hands."
    assert load_library(tmp_path).skills["wave"].description == "Wave both hands."  # a folder of skill files
