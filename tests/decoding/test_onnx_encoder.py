"""The encoder in ONNX Runtime gives the torch path's parses; its cached export is checked and rebuilt if damaged."""

import warnings
from pathlib import Path

import pytest

from agent.parsers import make_parser
from decoding.errors import ModelError
from decoding.files import read_parses
from decoding.onnx_encoder import OnnxEncoder
from decoding.parser import Words

pytest.importorskip("onnxruntime")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def parsers():
    return {name: make_parser("hybrid", runtime=name) for name in ("torch", "onnx")}


def test_onnx_and_torch_parse_the_test_split_alike(parsers):
    items = [Words.of_parse(p) for p in read_parses(ROOT / "data" / "tage" / "test.jsonl")[:120]]
    torch_parses, onnx_parses = (parsers[name].parse_many(items) for name in ("torch", "onnx"))
    strip = lambda parses: [[(t.type, t.trigger, [(a.role, a.span, a.grounding) for a in t.arguments])
                             for t in p.tasks] for p in parses]
    assert strip(onnx_parses) == strip(torch_parses)
    assert parsers["onnx"].model.encoder.runtime is not None and parsers["torch"].model.encoder.runtime is None


def test_the_export_is_cached_and_a_damaged_cache_is_exported_again(parsers, tmp_path):
    encoder = parsers["torch"].model.encoder
    first = OnnxEncoder.of(encoder, "key", tmp_path)
    (cached,) = tmp_path.glob("encoder-*.onnx")
    data = cached.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OnnxEncoder.of(encoder, "key", tmp_path)  # from the cache, silently
    cached.write_bytes(data[: len(data) // 2])
    with pytest.warns(UserWarning, match="damaged"):
        again = OnnxEncoder.of(encoder, "key", tmp_path)
    pieces = encoder.pieces([["open", "the", "fridge"]])
    assert (first(pieces) - again(pieces)).abs().max() < 1e-5
    assert cached.read_bytes() == data


def test_an_unknown_runtime_is_refused():
    with pytest.raises(ModelError, match="unknown runtime 'gpu'"):
        make_parser("hybrid", runtime="gpu")


def test_a_cached_export_loads_without_building_the_torch_transformer(parsers, tmp_path):
    from agent.defaults import default_model_dir
    from decoding.onnx_encoder import load_onnx_checkpoint

    first, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)      # exports, from the torch transformer
    second, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)     # from the cache alone
    assert first.encoder.embeddings is not None and second.encoder.embeddings is None
    sentences = [["put", "the", "red", "mug", "on", "the", "table"], ["open", "the", "fridge"]]
    a, b = first.encode(sentences), second.encode(sentences)
    assert all((x.words - y.words).abs().max() < 1e-5 for x, y in zip(a, b, strict=True))
    second.encoder.runtime = None
    with pytest.raises(ModelError, match="ONNX runtime only"):
        second.encode(sentences)
