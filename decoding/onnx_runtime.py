"""The extractor's inference in ONNX Runtime: the same parses as the torch path, in less time on CPU.

Two graphs are exported once per checkpoint to the cache, keyed by the checkpoint's weights sha256, and checked
against their own sha256 before use (a damaged file is exported again):
- the encoding: word pieces -> the encoder's word vectors, the decoder's contextual word vectors and pointer keys
  (the transformer, fine-tuned layers included, pooling pieces to words, the word BiGRU);
- the teacher-forced pass of `Extractor.pass_scores`, which verifies a draft and scores a parse: every decision
  of whole decision sequences in one run, where torch spends most of the time dispatching a few hundred small
  operations.
Tokenising, packing decisions and the step-by-step heads stay in torch. Needs the `onnx` extra (`pip install
'tage[onnx]'`: onnxruntime and onnx); without it the torch path runs.

`int8=True` runs an int8 copy of the encoding instead (ONNX Runtime's dynamic quantization of the weight matrix
products: int8 weights per output channel, activations quantized per tensor at run time): faster again on a CPU
with VNNI, about the same argument F1 on tagE, but not the same parses on every instruction (`python
benchmarks/onnx_parity.py` measures both; README): an opt-in trade of exactness for speed, never the default.

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

from .errors import DataError, ModelError, OnnxExportError
from .files import read_text, sha256_file, write_atomic
from .model import PASS_DECISIONS, PASS_SCORES

__all__ = ["OnnxGraph", "OnnxExtractor", "onnx_available", "load_onnx_checkpoint", "load_stock_encoder"]

# part of each kind's cache key: a change of what a kind's graph computes must change its format (new files)
FORMATS = {"encoder": "tage-onnx-2", "encoder-int8": "tage-onnx-2", "pass": "tage-onnx-3",
           "stock": "tage-onnx-encoder-1"}


def onnx_available() -> bool:
    """Whether ONNX Runtime and the exporter's `onnx` package are installed."""
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None and find_spec("onnx") is not None


class _Encoding(nn.Module):
    """Piece ids, attention mask, piece -> word pooling, word counts -> raw word vectors, words, keys: what
    `Extractor.encode` computes (its word BiGRU exported as `Extractor.padded_bigru`)."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, mask, pool, lengths):
        e = self.model.encoder
        raw = pool @ e.upper_hidden(e.lower({"input_ids": input_ids, "mask": mask}), {"mask": mask})
        words, keys = self.model.contextualise(raw, lengths)
        return raw, words, keys


class _Pass(nn.Module):
    """The inputs of `Extractor.pass_scores`, decisions spread as `PASS_DECISIONS` -> `PASS_SCORES` in order."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, words, keys, raw, mask, lengths, *decisions):
        s = self.model.torch_pass_scores(words, keys, raw, mask, lengths,
                                         dict(zip(PASS_DECISIONS, decisions, strict=True)))
        return tuple(s[k] for k in PASS_SCORES)


class _Stock(nn.Module):
    """input_ids, attention mask -> the last hidden states of a stock transformers model (one text per row)."""

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=mask,
                          token_type_ids=torch.zeros_like(input_ids)).last_hidden_state


class OnnxGraph:
    """One exported graph in an ONNX Runtime session: `graph(name=tensor, ...)` gives its outputs in order."""

    def __init__(self, model: bytes, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        options.log_severity_level = 3  # errors only: a robot's console
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, **inputs: torch.Tensor) -> list[torch.Tensor]:
        feed = {name: tensor.detach().numpy() for name, tensor in inputs.items()}
        return [torch.from_numpy(out) for out in self.session.run(None, feed)]

    @classmethod
    def read(cls, path: Path) -> OnnxGraph | str:
        """The graph cached at `path`, or what is wrong with the file (damaged, or not loadable by this ONNX
        Runtime); said, not warned: this runs in a worker thread, the caller warns."""
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NotImplemented

        model = _read_cached(path)
        if model is None:
            return "damaged"
        try:
            return cls(model, torch.get_num_threads())
        except (Fail, InvalidGraph, InvalidProtobuf, NotImplemented) as err:  # written by another ONNX Runtime
            return f"not loadable ({str(err).splitlines()[0][:200]})"


class OnnxExtractor:
    """What `Extractor.runtime` holds: the encoding and the teacher-forced pass in ONNX Runtime."""

    def __init__(self, encoding: OnnxGraph, scoring: OnnxGraph) -> None:
        self.encoding, self.scoring = encoding, scoring

    def encode(self, pieces: dict, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`WordEncoder.pieces` of a batch and its word counts -> raw word vectors, words, keys (B, L, ...)."""
        raw, words, keys = self.encoding(input_ids=pieces["input_ids"], mask=pieces["mask"], pool=pieces["pool"],
                                         lengths=lengths)
        return raw, words, keys

    def pass_scores(self, words, keys, raw, mask, lengths, b: dict) -> dict:
        """`Extractor.pass_scores`, the same arguments and results."""
        out = self.scoring(words=words, keys=keys, raw=raw, mask=mask, lengths=lengths,
                           **{k: b[k] for k in PASS_DECISIONS})
        return dict(zip(PASS_SCORES, out, strict=True))


def _require_onnx() -> None:
    if not onnx_available():
        raise ModelError("the ONNX runtime needs the onnx extra: pip install 'tage[onnx]'")


def load_onnx_checkpoint(folder: str | Path, cache_dir: str | Path | None,
                         meanwhile: Callable[[], None] | None = None, int8: bool = False) -> tuple:
    """`load_checkpoint` with the extractor's inference in ONNX Runtime (the encoding's int8 copy if `int8`):
    from the cache when exported before (no torch transformer built at all), else exported from the loaded
    weights (and cached).

    Cached graphs are read, checked and built in a second thread (reading, hashing and ONNX Runtime's session
    set-up release the GIL) while this one reads the checkpoint and runs `meanwhile`, more of the caller's loading:
    on two cores a load costs about the longer of the two instead of their sum."""
    from .checkpoint import checkpoint_meta, load_checkpoint

    _require_onnx()
    import onnxruntime  # noqa: F401  imported here, not in the thread: two threads importing at once can meet
    # a module half initialised
    key = str(checkpoint_meta(folder).get("weights_sha256"))
    paths = {"encoding": _path("encoder-int8" if int8 else "encoder", key, cache_dir),
             "pass": _path("pass", key, cache_dir)} if cache_dir else {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tage-onnx") as pool:
        pending = {name: pool.submit(OnnxGraph.read, path) for name, path in paths.items() if _is_cached(path)}
        model, meta = load_checkpoint(folder, transformer="encoding" not in pending)
        if meanwhile is not None:
            meanwhile()
        graphs = {name: future.result() for name, future in pending.items()}
    for name, graph in graphs.items():
        if isinstance(graph, str):
            warnings.warn(f"{paths[name]}: cached ONNX graph is {graph}; exporting it again", stacklevel=2)
    encoding, scoring = (graphs.get(name) for name in ("encoding", "pass"))
    if not isinstance(encoding, OnnxGraph):
        if model.encoder.embeddings is None:  # the transformer is needed after all, to export again
            model, meta = load_checkpoint(folder)
        encoding = _exported(_Encoding(model), _encoding_sample(model), _ENCODING_OUT, paths.get("encoding"), int8)
    if not isinstance(scoring, OnnxGraph):
        scoring = _exported(_Pass(model), _pass_sample(model), _PASS_OUT, paths.get("pass"))
    model.runtime = OnnxExtractor(encoding, scoring)
    return model, meta


def load_stock_encoder(path: str | Path, cache_dir: str | Path) -> OnnxGraph:
    """The stock transformer of the encoder folder `path` (its `model.safetensors`) in ONNX Runtime, input ids and
    attention mask -> last hidden states: read from `cache_dir` when exported before (keyed by the weights'
    sha256), else built with transformers once, exported and cached (a damaged file is exported again)."""
    _require_onnx()
    cached_at = _path("stock", sha256_file(Path(path) / "model.safetensors"), cache_dir)
    if _is_cached(cached_at):
        cached = OnnxGraph.read(cached_at)
        if isinstance(cached, OnnxGraph):
            return cached
        warnings.warn(f"{cached_at}: cached ONNX graph is {cached}; exporting it again", stacklevel=2)
    from transformers import AutoModel

    from .encoder import load_tokenizer, quietly

    stock = quietly(lambda: AutoModel.from_pretrained(str(path), local_files_only=True)).eval()
    sample = load_tokenizer(str(path)).encode_batch(["pick up the box", "fridge"])
    ids, mask = (torch.tensor([getattr(e, k) for e in sample]) for k in ("ids", "attention_mask"))
    return _exported(_Stock(stock), {"input_ids": ids, "mask": mask}, {"hidden": {0: "batch", 1: "pieces"}},
                     cached_at)


# each graph's outputs with their variable axes (the inputs' are in the samples' `_AXES`)
_ENCODING_OUT = {name: {0: "batch", 1: "words"} for name in ("raw", "words", "keys")}
_SCORE_AXES = {"type": ("batch", "tasks"), "t_start": ("batch", "tasks", "words"), "t_end": ("batch", "tasks", "words"),
               "outer": ("batch", "tasks"), "role": ("flat_tasks", "arguments"),
               "a_start": ("flat_tasks", "arguments", "words"), "a_end": ("flat_tasks", "arguments", "words"),
               "class": ("flat_tasks", "arguments"), "inner": ("flat_tasks", "arguments"),
               "attributes": ("flat_tasks", "arguments", "words")}
_PASS_OUT = {f"scores_{name}": dict(enumerate(_SCORE_AXES[name])) for name in PASS_SCORES}
_AXES = {"input_ids": ("batch", "pieces"), "mask": ("batch", "pieces"), "pool": ("batch", "words", "pieces"),
         "lengths": ("batch",), "words": ("batch", "words"), "keys": ("batch", "words"), "raw": ("batch", "words"),
         "types": ("batch", "tasks"), "t_start": ("batch", "tasks"), "t_end": ("batch", "tasks"),
         "t_anchor": ("batch", "tasks"), "t_used": ("batch", "tasks", "words"), "task_sentence": ("flat_tasks",),
         "task_index": ("flat_tasks",), "roles": ("flat_tasks", "arguments"), "a_start": ("flat_tasks", "arguments"),
         "a_end": ("flat_tasks", "arguments"), "classes": ("flat_tasks", "arguments"),
         "a_inside": ("flat_tasks", "arguments", "words")}


def _encoding_sample(model) -> dict:
    sentences = [["pick", "up", "the", "box"], ["open", "the", "fridge"]]
    pieces = model.encoder.pieces(sentences)
    return {**{k: pieces[k] for k in ("input_ids", "mask", "pool")}, "lengths": torch.tensor([4, 3])}


def _pass_sample(model) -> dict:
    """Inputs of the pass with every variable axis above 1 (the exporter would take a 1 for a constant): two
    sentences, three tasks, up to two arguments; the vectors' values do not matter to the graph."""
    from .batching import pack

    lengths = [5, 3]
    tasks = [[(0, 0, 0, [(0, 1, 2, 0), (1, 4, 4, 0)]), (1, 3, 3, [(0, 4, 4, 0)])], [(0, 0, 0, [(0, 1, 2, 0)])]]
    decisions = pack(tasks, lengths, model.stop_id, model.end_id)
    H, C = model.config.hidden, model.encoder.dim
    return {"words": torch.zeros(2, 5, H), "keys": torch.zeros(2, 5, H), "raw": torch.zeros(2, 5, C),
            "mask": torch.arange(5)[None] < torch.tensor(lengths)[:, None], "lengths": torch.tensor(lengths),
            **{k: decisions[k] for k in PASS_DECISIONS}}


def _path(kind: str, key: str, cache_dir: str | Path) -> Path:
    salt = f"{FORMATS[kind]}:{kind}:{key}"
    if kind.endswith("int8"):  # the quantized graph depends on the quantizer's version too
        from onnxruntime import __version__ as runtime_version

        salt += f":{runtime_version}"
    return Path(cache_dir) / f"{kind}-{hashlib.sha256(salt.encode()).hexdigest()[:24]}.onnx"


def _is_cached(path: Path) -> bool:
    return path.is_file() and path.with_suffix(".json").is_file()


def _exported(module: nn.Module, inputs: dict, outputs: dict, path: Path | None, int8: bool = False) -> OnnxGraph:
    """`module` (the tensors of `inputs` in order -> `outputs` in order) exported as an ONNX graph for any size of
    the axes of `_AXES` (quantized if `int8`), cached at `path` if given, in a session. `OnnxExportError` when
    this torch cannot export it or this ONNX Runtime cannot run it."""
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NotImplemented

    out = io.BytesIO()
    axes = {name: dict(enumerate(_AXES[name])) for name in inputs} | outputs
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing, not the user's concern
            torch.onnx.export(module.eval(), tuple(inputs.values()), out, input_names=list(inputs),
                              output_names=list(outputs), opset_version=17, dynamic_axes=axes, dynamo=False)
        model = _quantized(out.getvalue()) if int8 else out.getvalue()
        graph = OnnxGraph(model, torch.get_num_threads())
    except (torch.onnx.errors.OnnxExporterError, RuntimeError, Fail, InvalidGraph, InvalidProtobuf,
            NotImplemented) as err:  # RuntimeError: what tracing raises on an operation it cannot record
        what = type(module).__name__.strip("_").lower()
        raise OnnxExportError(f"cannot export the model's {what} graph to ONNX with torch {torch.__version__} "
                              f"({str(err).splitlines()[0][:300] if str(err) else type(err).__name__})") from err
    if path is not None:
        _store(path, model)
    return graph


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
        kind = path.stem.rsplit("-", 1)[0]  # as `_path` names it
        write_atomic(path.with_suffix(".json"), json.dumps({"sha256": hashlib.sha256(model).hexdigest(),
                                                            "format": FORMATS.get(kind)}))
    except OSError as err:  # a read-only cache: exported again next time
        warnings.warn(f"{path}: cannot cache the ONNX graph ({err.strerror or err})", stacklevel=4)
