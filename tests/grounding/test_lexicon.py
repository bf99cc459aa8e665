"""The lexicon file: shipped one loads, lookups work, a bad file names file, field and line."""

import pytest

from grounding import GroundingError, Lexicon, default_lexicon


def test_lookups():
    lexicon = default_lexicon()
    assert lexicon.synonyms["desk"] == "table" and lexicon.synonyms["couch"] == "sofa"
    assert lexicon.synonyms["tap"] == "faucet" and lexicon.person("me") == "user"
    assert lexicon.attribute("grey") == ("color", "gray") and lexicon.attribute("wooden") == ("material", "wood")
    assert lexicon.relation_at(["on", "top", "of", "it"], 0) == (3, ("on",))
    assert lexicon.implied_affordances(("pickable",)) >= {"pickable", "movable"}


@pytest.mark.parametrize("text, i, inside", [
    ("the chest of drawers", 1, False), ("the chest of drawers", 2, True), ("the chest of drawers", 3, True),
    ("the mug of tea", 2, False), ("the coffee table", 2, False),   # no relation word inside
])
def test_a_word_inside_a_synonym_phrase(text, i, inside):
    assert default_lexicon().inside_phrase(text.split(), i) == inside


@pytest.mark.parametrize("text, where", [
    ("relations:\n  atop: [over]\n", r"lexicon\.yaml:2: lexicon field relations: .*unknown predicate 'over'"),
    ("synonyms:\n  desk: table\ncolours: [red]\n", r"lexicon\.yaml:3: lexicon field colours: Extra inputs"),
    ("people:\n  user: me\n", r"lexicon\.yaml:2: lexicon field people\.user"),
])
def test_bad_lexicon(tmp_path, text, where):
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GroundingError, match=where):
        Lexicon.load(path)


def test_category_words_plural_or_not():
    lexicon = default_lexicon()
    assert "banana" in lexicon.category("fruit")
    assert lexicon.category("dishes") == lexicon.category("dish")
    assert lexicon.category("toys") == lexicon.category("toy")
    assert lexicon.category("mug") == ()
    assert lexicon.category("veggies") == lexicon.category("vegetable")   # a category listing another
