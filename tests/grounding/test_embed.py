"""The sentence embedder of the open vocabulary: ONNX Runtime (a cached export of the stock model) embeds as torch."""

import warnings

import numpy as np
import pytest

from grounding.embed import MiniLMEmbedder

pytest.importorskip("onnxruntime")
PHRASES = ["laptop", "tin foil", "the red coffee mug on the kitchen counter", "sofa"]


def test_onnx_runtime_embeds_as_torch_does_and_reads_its_export_from_the_cache(tmp_path):
    torch_vectors = MiniLMEmbedder().encode(PHRASES)
    first = MiniLMEmbedder(onnx_cache=tmp_path).encode(PHRASES)
    (export,) = tmp_path.glob("stock-*.onnx")
    assert np.allclose(first, torch_vectors, atol=1e-5)
    stamp = export.stat().st_mtime_ns
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = MiniLMEmbedder(onnx_cache=tmp_path).encode(PHRASES)
    assert export.stat().st_mtime_ns == stamp and np.array_equal(again, first)  # read, not exported again


def test_a_damaged_export_is_made_again_with_a_warning(tmp_path):
    MiniLMEmbedder(onnx_cache=tmp_path).encode(["cup"])
    (export,) = tmp_path.glob("stock-*.onnx")
    export.write_bytes(export.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="damaged; exporting it again"):
        vectors = MiniLMEmbedder(onnx_cache=tmp_path).encode(["cup"])
    assert np.allclose(vectors, MiniLMEmbedder().encode(["cup"]), atol=1e-5)
