"""The extractor's BiGRU over padded rows (what the ONNX export runs) is the packed one; bad input is refused."""

import pytest
import torch

from decoding.errors import ModelError
from decoding.model import Extractor, ExtractorConfig, _gather


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


@pytest.mark.parametrize("words_shape, index_shape", [((7, 16), ()), ((3, 7, 16), (3,)), ((3, 1, 7, 16), (3, 5)),
                                                      ((2, 4, 7, 16), (2, 4))])
def test_the_one_hot_gather_is_exactly_a_gather(words_shape, index_shape):
    """Bit for bit what indexing gives, the words broadcast over the indices' axes ((3, 1, L, H) for (3, 5))."""
    generator = torch.Generator().manual_seed(0)
    words = torch.randn(words_shape, generator=generator) * 100
    index = torch.randint(0, words_shape[-2], index_shape, generator=generator)
    expanded = words.expand(*index_shape, *words_shape[-2:]) if index_shape else words
    expected = expanded.gather(-2, index[..., None, None].expand(*index_shape, 1, words_shape[-1]))[..., 0, :]
    assert torch.equal(_gather(words, index), expected)
