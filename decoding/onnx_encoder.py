"""The word encoder's transformer run by ONNX Runtime: the same parses as the torch path, in less time on CPU.

The pieces -> hidden states part of `WordEncoder` (embeddings and every layer, fine-tuned ones included) is
exported once per checkpoint to an ONNX file in the cache, keyed by the checkpoint's weights sha256, and checked
against its own sha256 before use (a damaged file is exported again). Tokenising and pooling pieces to words stay in
torch. Needs the `onnx` extra (`pip install 'tage[onnx]'`: onnxruntime and onnx); without it the torch path runs.

`int8=True` runs an int8 copy instead (ONNX Runtime's dynamic quantization of the weight matrix products: int8
weights per output channel, activations quantized per tensor at run time): faster again on a CPU with VNNI, about
the same argument F1 on tagE, but not the same parses on every instruction (`python benchmarks/onnx_parity.py`
measures both; README): an opt-in trade of exactness for speed, never the default.

`load_stock_encoder` runs the stock all-MiniLM-L6-v2 transformer the same way (keyed by the package's weights
sha256), for the sentence embeddings of the grounder's open vocabulary: a process that needs them then reads the
cached export instead of importing transformers and building the model (about 3 s of a `tage ground` here).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from torch import nn

from .errors import DataError, ModelError
from .files import read_text, sha256_file, write_atomic

__all__ = ["OnnxEncoder", "onnx_available", "load_onnx_checkpoint", "load_stock_encoder"]

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


class _Stock(nn.Module):
    """input_ids, attention mask -> the last hidden states of a stock transformers model (one text per row)."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=mask,
                          token_type_ids=torch.zeros_like(input_ids)).last_hidden_state


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
    def exported(cls, encoder, key: str, cache_dir: str | Path | None, int8: bool = False) -> OnnxEncoder:
        """`encoder` exported anew (quantized to int8 if `int8`), and cached in `cache_dir` under `key`."""
        pieces = encoder.pieces([["pick", "up", "the", "box"], ["open", "the", "fridge"]])
        model = _export(_Transformer(encoder), pieces["input_ids"], pieces["mask"])
        if int8:
            model = _quantized(model)
        if cache_dir:
            _store(_path(key, cache_dir, int8), model)
        return cls(model, torch.get_num_threads())

    @classmethod
    def read(cls, path: Path) -> OnnxEncoder | str:
        """The encoder cached at `path`, or what is wrong with the file (damaged, or not loadable by this ONNX
        Runtime); said, not warned: this runs in a worker thread, the caller warns."""
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NotImplemented

        model = _read_cached(path)
        if model is None:
            return "damaged"
        try:
            return cls(model, torch.get_num_threads())
        except (Fail, InvalidGraph, InvalidProtobuf, NotImplemented) as err:  # written by another ONNX Runtime
            return f"not loadable ({str(err).splitlines()[0][:200]})"


def _require_onnx() -> None:
    if not onnx_available():
        raise ModelError("the ONNX runtime needs the onnx extra: pip install 'tage[onnx]'")


def load_onnx_checkpoint(folder: str | Path, cache_dir: str | Path | None,
                         meanwhile: Callable[[], None] | None = None, int8: bool = False) -> tuple:
    """`load_checkpoint` with the encoder's transformer in ONNX Runtime (its int8 copy if `int8`): from the cache
    when exported before (no torch transformer built at all), else exported from the loaded weights (and cached).

    A cached runtime is read, checked and built in a second thread (reading, hashing and ONNX Runtime's session
    set-up release the GIL) while this one reads the checkpoint and runs `meanwhile`, more of the caller's loading:
    on two cores a load costs about the longer of the two instead of their sum."""
    from .checkpoint import checkpoint_meta, load_checkpoint

    _require_onnx()
    import onnxruntime  # noqa: F401  imported here, not in the thread: two threads importing at once can meet
    # a module half initialised
    key = str(checkpoint_meta(folder).get("weights_sha256"))
    path = _path(key, cache_dir, int8) if cache_dir else None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tage-onnx") as pool:
        pending = pool.submit(OnnxEncoder.read, path) if path is not None and _is_cached(path) else None
        model, meta = load_checkpoint(folder, transformer=pending is None)
        if meanwhile is not None:
            meanwhile()
        cached = pending.result() if pending is not None else None
    if isinstance(cached, str):  # the transformer is needed after all, to export again
        warnings.warn(f"{path}: cached ONNX encoder is {cached}; exporting it again", stacklevel=2)
        model, meta = load_checkpoint(folder)
    runtime = cached if isinstance(cached, OnnxEncoder) else None
    model.encoder.runtime = runtime or OnnxEncoder.exported(model.encoder, meta["weights_sha256"], cache_dir, int8)
    return model, meta


def load_stock_encoder(path: str | Path, cache_dir: str | Path) -> OnnxEncoder:
    """The stock transformer of the encoder folder `path` (its `model.safetensors`) in ONNX Runtime, input ids and
    attention mask -> last hidden states: read from `cache_dir` when exported before (keyed by the weights'
    sha256), else built with transformers once, exported and cached (a damaged file is exported again)."""
    _require_onnx()
    salt = f"{FORMAT}:stock:{sha256_file(Path(path) / 'model.safetensors')}"
    cached_at = Path(cache_dir) / f"stock-{hashlib.sha256(salt.encode()).hexdigest()[:24]}.onnx"
    if _is_cached(cached_at):
        cached = OnnxEncoder.read(cached_at)
        if isinstance(cached, OnnxEncoder):
            return cached
        warnings.warn(f"{cached_at}: cached ONNX encoder is {cached}; exporting it again", stacklevel=2)
    from transformers import AutoModel

    from .encoder import load_tokenizer, quietly

    stock = quietly(lambda: AutoModel.from_pretrained(str(path), local_files_only=True)).eval()
    sample = load_tokenizer(str(path)).encode_batch(["pick up the box", "fridge"])
    ids, mask = (torch.tensor([getattr(e, k) for e in sample]) for k in ("ids", "attention_mask"))
    model = _export(_Stock(stock), ids, mask)
    _store(cached_at, model)
    return OnnxEncoder(model, torch.get_num_threads())


def _path(key: str, cache_dir: str | Path, int8: bool = False) -> Path:
    if int8:  # the quantized graph depends on the quantizer's version too
        from onnxruntime import __version__ as runtime_version

        kind, salt = "encoder-int8", f"{FORMAT}:int8:{runtime_version}:{key}"
    else:
        kind, salt = "encoder", f"{FORMAT}:{key}"
    return Path(cache_dir) / f"{kind}-{hashlib.sha256(salt.encode()).hexdigest()[:24]}.onnx"


def _is_cached(path: Path) -> bool:
    return path.is_file() and path.with_suffix(".json").is_file()


def _export(module: nn.Module, input_ids: torch.Tensor, mask: torch.Tensor) -> bytes:
    """`module` (input ids, attention mask -> hidden states) as an ONNX graph, any batch size and length."""
    out = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing, not the user's concern
        torch.onnx.export(module.eval(), (input_ids, mask), out,
                          input_names=["input_ids", "mask"], output_names=["hidden"], opset_version=17,
                          dynamic_axes={"input_ids": {0: "batch", 1: "pieces"}, "mask": {0: "batch", 1: "pieces"},
                                        "hidden": {0: "batch", 1: "pieces"}}, dynamo=False)
    return out.getvalue()


def _quantized(model: bytes) -> bytes:
    """`model` with the products of activations and weight matrices in int8 (dynamic quantization: weights per
    output channel, each activation per tensor as it comes); embeddings, attention's activation x activation
    products and layer norms stay float."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    try:
        with tempfile.TemporaryDirectory(prefix="tage-quantize-") as tmp, _QuietQuantizer():
            target = Path(tmp) / "encoder-int8.onnx"
            quantize_dynamic(onnx.load_from_string(model), target, op_types_to_quantize=["MatMul"],
                             weight_type=QuantType.QInt8, per_channel=True)
            return target.read_bytes()
    except OSError as err:
        raise ModelError(f"cannot quantize the encoder in a temporary folder ({err.strerror or err})") from err


class _QuietQuantizer(logging.Filter):
    """The quantizer logs advice through the root logger (`logging.warning`), which would also give the root
    logger a stderr handler for the rest of the process: while it runs, a handler that drops records keeps
    `basicConfig` from adding one, and the advice is filtered out of any handlers the application set."""

    _ADVICE = "Please consider to run pre-processing"

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._ADVICE)

    def __enter__(self) -> _QuietQuantizer:
        root = self.root = logging.getLogger()
        self.placeholder = logging.NullHandler() if not root.handlers else None
        if self.placeholder is not None:
            root.addHandler(self.placeholder)
        root.addFilter(self)
        return self

    def __exit__(self, *exc) -> None:
        self.root.removeFilter(self)
        if self.placeholder is not None:
            self.root.removeHandler(self.placeholder)


def _read_cached(path: Path) -> bytes | None:
    """The cached model, or None if it does not match its checksum."""
    sidecar = path.with_suffix(".json")
    try:
        digest = json.loads(read_text(sidecar))["sha256"]
        model = path.read_bytes()
    except (OSError, ValueError, KeyError, TypeError, DataError):
        model, digest = b"", None
    return model if hashlib.sha256(model).hexdigest() == digest else None


def _store(path: Path, model: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, model)
        write_atomic(path.with_suffix(".json"), json.dumps({"sha256": hashlib.sha256(model).hexdigest(),
                                                            "format": FORMAT}))
    except OSError as err:  # a read-only cache: exported again next time
        warnings.warn(f"{path}: cannot cache the ONNX encoder ({err.strerror})", stacklevel=4)
