"""Choosing the extractor's runtime: ONNX Runtime when it can run the model, torch otherwise."""

import pytest

from agent.parsers import load_extractor
from decoding.errors import OnnxExportError

pytest.importorskip("onnxruntime")


@pytest.fixture
def exporter_that_fails(tmp_path, monkeypatch):
    """A fresh cache (so the graphs must be exported) and a torch whose exporter cannot record an operation."""
    import torch

    def export(*args, **kwargs):
        raise RuntimeError("Exporting the operator 'aten::gru' to ONNX opset version 17 is not supported.\nmore")

    monkeypatch.setenv("TAGE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(torch.onnx, "export", export)


def test_auto_falls_back_to_torch_when_the_model_cannot_be_exported(exporter_that_fails):
    with pytest.warns(UserWarning, match=r"cannot export the model's encoding graph to ONNX with torch .*aten::gru.*"
                                         r"running the model in torch instead"):
        model, meta = load_extractor(runtime="auto")
    assert model.runtime is None and model.encoder.embeddings is not None and meta["weights_sha256"]


@pytest.mark.parametrize("runtime", ["onnx", "onnx-int8"])
def test_an_asked_for_onnx_runtime_that_cannot_export_is_an_error_naming_the_graph(exporter_that_fails, runtime):
    with pytest.raises(OnnxExportError, match="cannot export the model's encoding graph .*not supported"):
        load_extractor(runtime=runtime)
