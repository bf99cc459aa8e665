"""Spoken instructions made plain: fillers, words said twice, repairs; every kept word at its place in the text."""

import doctest

import pytest

from decoding import speech
from decoding.tokenize import tokenize


@pytest.mark.parametrize(("text", "words"), [
    ("go to the, uh, bedroom, no wait, the bathroom", ("go", "to", "the", "bathroom")),
    ("take the mug to the living room, sorry, the dining room",
     ("take", "the", "mug", "to", "the", "dining", "room")),
    ("turn left, no, right, and then go straight", ("turn", "right", ",", "and", "then", "go", "straight")),
    ("uh, grab the, um, the blue bottle... no, the green one", ("grab", "the", "green", "one")),
    ("put the mug in the sink, actually, in the dishwasher", ("put", "the", "mug", "in", "the", "dishwasher")),
    ("bring me the cup, I mean, the mug", ("bring", "me", "the", "mug")),
    # no repair: a cue not between commas, or a repair that starts with no earlier word and is longer than one
    ("there is no milk, no, the fridge is empty",
     ("there", "is", "no", "milk", ",", "no", ",", "the", "fridge", "is", "empty")),
    ("No, put it on the table", ("No", ",", "put", "it", "on", "the", "table")),
    ("sorry, could you open the door", ("sorry", ",", "could", "you", "open", "the", "door")),
])
def test_what_was_meant_is_read(text, words):
    tokens, offsets = tokenize(text)
    assert tokens == words
    assert [text[a:b] for a, b in offsets] == list(tokens)


def test_examples():
    assert doctest.testmod(speech).failed == 0
