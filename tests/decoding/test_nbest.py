import pytest
import torch

from agent.defaults import default_vocabulary
from agent.parsers import make_parser
from decoding.nbest import nbest
from decoding.parser import Words


@pytest.fixture(scope="module")
def constrained():
    return make_parser("constrained")


@pytest.mark.parametrize("text", ["robot, could you take the red mug from the table and bring it to me?",
                                  "go to the kitchen and check whether the fridge is open", "turn left"])
def test_n_best_parses_are_distinct_valid_and_start_with_the_best(constrained, text):
    parses = constrained.parse_n(text, 4)
    assert parses[0] == constrained.parse(text)
    keys = [tuple((t.type, t.trigger.text, tuple((a.role, a.span.text) for a in t.arguments)) for t in p.tasks)
            for p in parses]
    assert len(set(keys)) == len(keys)
    spec = constrained.decoder.grammar.spec
    assert all(default_vocabulary().problems(p) == [] and spec.problems(p) == [] for p in parses)


def test_runners_up_are_ordered_by_log_probability(constrained):
    words = Words.of("take the mug from the shelf and put it on the table")
    with torch.inference_mode():
        enc = constrained.encode([words])[0]
        candidates = nbest(constrained.decoder.stepwise(), constrained.model, enc, 5)
    runners = [c.logp for c in candidates[1:]]
    assert runners == sorted(runners, reverse=True) and all(c.logp <= 0 for c in candidates)


def test_empty_and_single_requests_give_one_parse(constrained):
    assert len(constrained.parse_n("", 3)) == 1
    assert len(constrained.parse_n("open the door", 1)) == 1
