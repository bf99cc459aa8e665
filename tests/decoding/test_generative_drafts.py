"""`decoding.generative.drafts`: the recycling table and prompt lookup over the source sentence."""

from pathlib import Path

import pytest
import torch

from decoding.generative import load_generative
from decoding.generative.drafts import Drafter, RecyclingTable
from decoding.generative.tokenizer import BOS

CHECKPOINT = Path(__file__).resolve().parents[2] / "data" / "models" / "generative"


@pytest.fixture(scope="module")
def shipped():
    torch.set_num_threads(1)
    return load_generative(CHECKPOINT)


def test_the_table_learns_an_output_as_it_is_written():
    seq = [BOS, BOS, 5, 6, 7, 5, 6]
    in_steps, at_once = RecyclingTable(), RecyclingTable()
    in_steps.learn(seq[:4], 2)
    in_steps.learn(seq, 4)
    at_once.learn(seq, 2)
    assert in_steps.follow == at_once.follow == {(BOS, BOS): 5, (BOS, 5): 6, (5, 6): 7, (6, 7): 5, (7, 5): 6}


def _state(gm, tokens):
    state = gm.index.start
    for t in tokens:
        state = gm.index.advance(state, t)
    return state


@pytest.mark.parametrize(("written", "drafted"), [
    ('[{"type":"Picking","trigger":"take","arguments":[{"role":"Theme","text":"', 'cup","class":"cup'),
    ('[{"type":"Picking","trigger":"take","arguments":[{"role":"Theme","text":"cup","class":"', 'cup'),
])
def test_drafts_copy_the_source_sentence(shipped, written, drafted):
    drafter = Drafter(shipped)
    out = shipped.tokenizer(written)["input_ids"]
    draft = drafter.draft(out, _state(shipped, out), drafter.lookup("take the cup to the kitchen"))
    assert shipped.tokenizer.decode(draft).startswith(drafted)
