"""The word encoder's transformer run by ONNX Runtime: the same parses as the torch path, in less time on CPU.

The pieces -> hidden states part of `WordEncoder` (embeddings and every layer, fine-tuned ones included) is
exported once per checkpoint to an ONNX file in the cache, keyed by the checkpoint's weights sha256, and checked
against its own sha256 before use (a damaged file is exported again). Tokenising and pooling pieces to words stay in
torch. Needs the `onnx` extra (`pip install 'tage[onnx]'`: onnxruntime and onnx); without it the torch path runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from .errors import DataError, ModelError
from .files import read_text, write_atomic

__all__ = ["OnnxEncoder", "onnx_available", "load_onnx_checkpoint"]

FORMAT = "tage-onnx-encoder-1"  # part of the cache key: a change of the exported graph makes new files


def onnx_available() -> bool:
    """Whether ONNX Runtime and the exporter's `onnx` package are installed."""
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None and find_spec("onnx") is not None


class _Transformer(nn.Module):
    """input_ids, attention mask -> the last hidden states: what is exported."""

    def __init__(self, encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        e = self.encoder
        return e.upper_hidden(e.lower({"input_ids": input_ids, "mask": mask}), {"mask": mask})


class OnnxEncoder:
    """Runs the exported transformer: `encoder(pieces)` gives `WordEncoder.lower` then the layers above."""

    def __init__(self, model: bytes, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        options.log_severity_level = 3  # errors only: a robot's console
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, pieces: dict) -> torch.Tensor:
        hidden = self.session.run(None, {"input_ids": pieces["input_ids"].numpy(), "mask": pieces["mask"].numpy()})
        return torch.from_numpy(hidden[0])

    @classmethod
    def of(cls, encoder, key: str, cache_dir: str | Path | None) -> OnnxEncoder:
        """The ONNX Runtime encoder of `encoder` (a `WordEncoder` in eval mode) whose weights are identified by
        `key` (the checkpoint's weights sha256), from `cache_dir` or exported there."""
        cached = cls.cached(key, cache_dir)
        if cached is not None:
            return cached
        model = _export(encoder)
        if cache_dir:
            _store(_path(key, cache_dir), model)
        return cls(model, torch.get_num_threads())

    @classmethod
    def cached(cls, key: str, cache_dir: str | Path | None) -> OnnxEncoder | None:
        """The encoder exported for `key` into `cache_dir` before, if it is there and intact."""
        if not onnx_available():
            raise ModelError("the ONNX runtime needs the onnx extra: pip install 'tage[onnx]'")
        model = _read_cached(_path(key, cache_dir)) if cache_dir else None
        return cls(model, torch.get_num_threads()) if model is not None else None


def load_onnx_checkpoint(folder: str | Path, cache_dir: str | Path | None) -> tuple:
    """`load_checkpoint` with the encoder's transformer in ONNX Runtime: from the cache when exported before (no
    torch transformer built at all), else exported from the loaded weights (and cached)."""
    from .checkpoint import checkpoint_meta, load_checkpoint

    cached = OnnxEncoder.cached(str(checkpoint_meta(folder).get("weights_sha256")), cache_dir)
    model, meta = load_checkpoint(folder, transformer=cached is None)
    model.encoder.runtime = cached or OnnxEncoder.of(model.encoder, meta["weights_sha256"], cache_dir)
    return model, meta


def _path(key: str, cache_dir: str | Path) -> Path:
    return Path(cache_dir) / f"encoder-{hashlib.sha256(f'{FORMAT}:{key}'.encode()).hexdigest()[:24]}.onnx"


def _export(encoder) -> bytes:
    pieces = encoder.pieces([["pick", "up", "the", "box"], ["open", "the", "fridge"]])
    out = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing, not the user's concern
        torch.onnx.export(_Transformer(encoder).eval(), (pieces["input_ids"], pieces["mask"]), out,
                          input_names=["input_ids", "mask"], output_names=["hidden"], opset_version=17,
                          dynamic_axes={"input_ids": {0: "batch", 1: "pieces"}, "mask": {0: "batch", 1: "pieces"},
                                        "hidden": {0: "batch", 1: "pieces"}}, dynamo=False)
    return out.getvalue()


def _read_cached(path: Path) -> bytes | None:
    """The cached model, or None (with a warning when a file is there but does not match its checksum)."""
    sidecar = path.with_suffix(".json")
    if not path.is_file() or not sidecar.is_file():
        return None
    try:
        digest = json.loads(read_text(sidecar))["sha256"]
        model = path.read_bytes()
    except (OSError, ValueError, KeyError, TypeError, DataError):
        model, digest = b"", None
    if hashlib.sha256(model).hexdigest() == digest:
        return model
    warnings.warn(f"{path}: cached ONNX encoder is damaged; exporting it again", stacklevel=4)
    return None


def _store(path: Path, model: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, model)
        write_atomic(path.with_suffix(".json"), json.dumps({"sha256": hashlib.sha256(model).hexdigest(),
                                                            "format": FORMAT}))
    except OSError as err:  # a read-only cache: exported again next time
        warnings.warn(f"{path}: cannot cache the ONNX encoder ({err.strerror})", stacklevel=4)
