"""The extractor's BiGRU over padded rows (what the ONNX export runs) is the packed one; bad input is refused."""

import pytest
import torch

from decoding.errors import ModelError
from decoding.model import Extractor, ExtractorConfig


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    config = ExtractorConfig(task_types=["Bringing"], roles=["Theme"], classes=["object"], attributes=["color"],
                             hidden=16, label_dim=8)
    return Extractor(config, transformer=False).eval()


@pytest.mark.parametrize("lengths", [[5, 1, 3, 5], [4, 4], [1], [2, 7, 1]])
def test_the_padded_bigru_is_the_packed_one_for_every_padding(model, lengths):
    vectors = torch.randn(len(lengths), max(lengths), model.encoder.dim)
    lengths = torch.tensor(lengths)
    for b, n in enumerate(lengths.tolist()):
        vectors[b, n:] = 1e3  # junk in the padding must change nothing
    with torch.no_grad():
        packed, _ = model.contextualise(vectors, lengths)
        padded = model.padded_bigru(vectors, lengths)
    assert padded.shape == packed.shape
    assert torch.allclose(padded, packed, atol=1e-6)


def test_an_instruction_of_no_words_is_refused_before_the_encoder(model):
    with pytest.raises(ModelError, match="no words"):
        model.encode([["open", "the", "fridge"], []])
