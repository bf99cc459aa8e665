"""Tests of `decoding.tokenize`: whitespace words for the dataset, spaCy tokens for raw text, with offsets."""

import pytest

from decoding.errors import DecodingError
from decoding.tokenize import check_text, split_words, tokenize


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


def test_an_instruction_of_a_books_length_is_refused():
    text = "bring me the red mug and " * 500   # 12,500 characters
    with pytest.raises(DecodingError, match="12,500 characters long, over the limit of 10,000: send it in parts"):
        check_text(text)
    assert check_text(text[:10_000]) == text[:10_000]
