"""`decoding.generative.lean`: the lean BART computes what HF's forward computes."""

from pathlib import Path

import pytest
import torch

from decoding.generative import load_generative
from decoding.generative.lean import LeanBart

CHECKPOINT = Path(__file__).resolve().parents[2] / "data" / "models" / "generative"
INSTRUCTION = "put the red cup on the table and then go to the kitchen"


@pytest.fixture(scope="module")
def shipped():
    torch.set_num_threads(1)
    return load_generative(CHECKPOINT)


def _hf(gm, memory, tokens, cache):
    """HF's decoder forward over `tokens` after `cache`: (logits (T, V), cache)."""
    out = gm.model(encoder_outputs=(memory,), attention_mask=torch.ones(memory.shape[:2], dtype=torch.long),
                   decoder_input_ids=torch.tensor([tokens]), cache=cache, use_cache=True)
    return out.logits[0], out.cache


@torch.inference_mode()
def test_lean_encoder_equals_hf(shipped):
    ids = shipped.source_ids(INSTRUCTION)
    hf = shipped.model.get_encoder()(input_ids=torch.tensor([ids])).last_hidden_state
    assert torch.allclose(LeanBart(shipped.model).encode(ids), hf, atol=1e-5)


@torch.inference_mode()
def test_lean_decoder_steps_equal_hf_also_after_a_crop(shipped):
    bart = LeanBart(shipped.model)
    memory = bart.encode(shipped.source_ids(INSTRUCTION))
    tokens = [1, *shipped.tokenizer('[{"type":"Placing","trigger":"put","arguments":[{"role":"Theme"')["input_ids"]]
    lean_cache = bart.start(memory)
    lean, (hf, hf_cache) = lean_cache.run(tokens[:4]), _hf(shipped, memory, tokens[:4], None)
    assert torch.allclose(lean, hf, atol=1e-5)
    lean_cache.crop(-2)  # as the speculative decoder forgets rejected draft tokens
    hf_cache.crop(-2)
    lean, (hf, _) = lean_cache.run(tokens[2:]), _hf(shipped, memory, tokens[2:], hf_cache)
    assert torch.allclose(lean, hf, atol=1e-5)
