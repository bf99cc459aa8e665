"""The generative baseline: a small BART trained here to write a `Parse` as compact JSON, and three decoders of it.

`format` (the JSON, its regex and schema) -> `tokenizer` (byte-level BPE, one token per structural segment) ->
`model` (the BART, its checkpoints) and `lean` (its math for one instruction at a time, KV cache) -> `index` (the
format compiled over the vocabulary) -> `decoders` (stock outlines, constrained greedy, constrained + speculative
with `drafts`), named in `names`; `train` fits the tokenizer and the model.

The backend names are defined here; everything else is imported on first use, so that listing the backends (the
command line does at start) does not import torch.
"""

from importlib import import_module

from .names import GENERATIVE_BACKENDS, GENERATIVE_CONSTRAINED, GENERATIVE_OUTLINES, GENERATIVE_SPECULATIVE

_HOME = {  # public name -> the module that defines it
    "Generated": "decoders", "ConstrainedDecoder": "decoders", "SpeculativeDecoder": "decoders",
    "OutlinesDecoder": "decoders", "DECODERS": "decoders", "get_decoder": "decoders",
    "STRUCTURE": "format", "Labels": "format", "Bounds": "format", "to_json": "format", "from_json": "format",
    "template_of": "format", "output_regex": "format", "output_schema": "format",
    "JsonIndex": "index", "decoder_vocabulary": "index",
    "GenerativeConfig": "model", "GenerativeModel": "model", "build_model": "model", "load_generative": "model",
    "save_generative": "model",
    "train_tokenizer": "tokenizer",
    "TrainingSummary": "train", "train_generative": "train",
}

__all__ = ["GENERATIVE_OUTLINES", "GENERATIVE_CONSTRAINED", "GENERATIVE_SPECULATIVE", "GENERATIVE_BACKENDS", *_HOME]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOME[name]}", __name__), name)
