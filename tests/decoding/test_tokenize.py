"""Tests of `decoding.tokenize`: whitespace words for the dataset, spaCy tokens for raw text, with offsets."""

import pytest

from decoding.tokenize import split_words, tokenize


@pytest.mark.parametrize(("text", "words", "offsets"), [
    ("pick  the cup", ("pick", "the", "cup"), ((0, 4), (6, 9), (10, 13))),
    (" go\tnow\n", ("go", "now"), ((1, 3), (4, 7))),
    ("kitchen, now", ("kitchen,", "now"), ((0, 8), (9, 12))),
    ("", (), ()),
    ("   ", (), ()),
])
def test_split_words(text, words, offsets):
    assert split_words(text) == (words, offsets)


@pytest.mark.parametrize(("text", "words"), [
    ("go to the kitchen, now", ("go", "to", "the", "kitchen", ",", "now")),
    ("Bring me the mug.", ("Bring", "me", "the", "mug", ".")),
    ("don't touch it", ("do", "n't", "touch", "it")),
    ("turn left  then   stop", ("turn", "left", "then", "stop")),
    ("  \n ", ()),
    ("", ()),
    ("go to the, uh, bedroom", ("go", "to", "the", "bedroom")),            # fillers of speech, their commas
    ("um grab the the blue bottle", ("grab", "the", "blue", "bottle")),     # a word said twice in a row
    ("put the towel- the cloth", ("put", "the", "towel", "the", "cloth")),  # a word cut off
])
def test_tokenize_words(text, words):
    assert tokenize(text)[0] == words


@pytest.mark.parametrize("text", [
    "go to the kitchen, take the red mug next to the sink and bring it to me",
    "  Put the book on top of the armchair.\n\tThen   sit!",
    "pick the café's cup",
    "uh, put the towel- the, um, the cloth",
])
def test_offsets_point_at_the_words(text):
    for tokenizer in (tokenize, split_words):
        words, offsets = tokenizer(text)
        assert len(words) == len(offsets)
        assert [text[a:b] for a, b in offsets] == list(words)
        assert all(a < b for a, b in offsets)
        assert list(offsets) == sorted(offsets)
