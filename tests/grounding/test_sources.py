"""Reading YAML/JSON with line numbers, YAML 1.2 booleans, duplicate keys, syntax errors, too deep nesting, BOMs."""

import pytest

from decoding.errors import DataError
from grounding.sources import line_of, load_data


def test_lines_of_keys_and_items(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("top:\n  - name: a\n    roles:\n      - Theme\n      - Goal\n", encoding="utf-8")
    data = load_data(path)
    assert data == {"top": [{"name": "a", "roles": ["Theme", "Goal"]}]}
    assert line_of(data, ["top", 0, "name"]) == 2
    assert line_of(data, ["top", 0, "roles", 1]) == 5
    assert line_of(data, ["top", 0, "missing"]) == 2  # the deepest known place


def test_on_and_off_stay_strings(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("states: {on: false}\npredicate: on\nflag: yes\nreal: true\n", encoding="utf-8")
    assert load_data(path) == {"states": {"on": False}, "predicate": "on", "flag": "yes", "real": True}


def test_duplicate_key_names_its_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.yaml:3: duplicate key 'a'"):
        load_data(path)


@pytest.mark.parametrize("name, text, where", [
    ("bad.yaml", "a: [1, 2\nb: 3\n", "bad.yaml:"),
    ("bad.json", '{"a": 1,,}', "bad.json:1: not JSON"),
])
def test_syntax_errors_name_the_file(tmp_path, name, text, where):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=where):
        load_data(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        load_data(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name, text, problem", [
    ("deep.json", "[" * 100_000 + "]" * 100_000, r"deep\.json: not JSON \(nesting too deep\)"),
    ("deep.json", '{"a": ' + "[" * 990 + "]" * 990 + "}", r"deep\.json: not JSON \(nesting too deep\)"),
    ("deep.yaml", "a: " + "[" * 900 + "]" * 900, r"deep\.yaml: not YAML \(nesting too deep\)"),
    ("deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000, r"deep\.yaml:1: not YAML \(exceeded maximum nesting depth\)"),
])
def test_too_deep_nesting_names_the_file(tmp_path, name, text, problem):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=problem):
        load_data(path)


@pytest.mark.parametrize("name, text", [("x.json", '{"a": [1, 2]}'), ("x.yaml", "a: [1, 2]\n")])
def test_a_byte_order_mark_is_skipped(tmp_path, name, text):
    path = tmp_path / name
    path.write_text("\ufeff" + text, encoding="utf-8")
    assert load_data(path) == {"a": [1, 2]}
