import pytest

from agent.defaults import default_vocabulary
from decoding.errors import DecodingError
from decoding.files import read_parses
from decoding.metrics import score
from decoding.parser import Words


def test_parses_a_two_task_instruction_with_a_pronoun(shipped_parser):
    parse = shipped_parser.parse("take the newspaper from the stand and put it on the coffee table")
    assert [t.type for t in parse.tasks] == ["Picking", "Placing"]
    placing = {a.role: a.span.text for a in parse.tasks[1].arguments}
    assert placing["Theme"] == "newspaper"  # "it" resolved to its antecedent
    assert placing["Goal"] in {"coffee table", "table"}


def test_spans_keep_character_offsets_of_the_raw_text(shipped_parser):
    text = "Go to the kitchen, then pick up the red mug."
    parse = shipped_parser.parse(text)
    for task in parse.tasks:
        for span in [task.trigger] + [a.span for a in task.arguments]:
            assert text[span.char_start : span.char_end] == span.text


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_instruction_gives_an_empty_parse(shipped_parser, text):
    parse = shipped_parser.parse(text)
    assert parse.tasks == () and parse.tokens == ()


@pytest.mark.parametrize("text", ["colourless green ideas sleep furiously", "¿dónde está la biblioteca?",
                                  "asdf qwer zxcv", "!!! ??? ...", "42"])
def test_nonsense_gives_a_valid_parse(shipped_parser, text):
    parse = shipped_parser.parse(text)
    assert default_vocabulary().problems(parse) == []


def test_too_long_instruction_is_refused_not_truncated(shipped_parser):
    text = " ".join(["go to the table"] * 40)
    with pytest.raises(DecodingError, match="longer than the extractor's limit"):
        shipped_parser.parse(text)


def test_test_split_scores_clear_the_issue_floor(shipped_parser):
    gold = read_parses("data/tage/test.jsonl")
    predicted = shipped_parser.parse_many([Words.of_parse(g) for g in gold])
    scores = score(gold, predicted)
    assert all(default_vocabulary().problems(p) == [] for p in predicted)
    assert scores.arguments.f1 >= 0.83
