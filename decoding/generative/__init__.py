"""The generative baseline: a small BART trained here to write a `Parse` as compact JSON, and three decoders of it.

`format` (the JSON, its regex and schema) -> `tokenizer` (byte-level BPE, one token per structural segment) ->
`model` (the BART, its checkpoints) and `lean` (its math for one instruction at a time, KV cache) -> `index` (the
format compiled over the vocabulary) -> `decoders` (stock outlines, constrained greedy, constrained + speculative
with `drafts`); `train` fits the tokenizer and the model.
"""

from .decoders import DECODERS, ConstrainedDecoder, Generated, OutlinesDecoder, SpeculativeDecoder, get_decoder
from .format import STRUCTURE, Bounds, Labels, from_json, output_regex, output_schema, template_of, to_json
from .index import JsonIndex, decoder_vocabulary
from .model import GenerativeConfig, GenerativeModel, build_model, load_generative, save_generative
from .tokenizer import train_tokenizer
from .train import train_generative

__all__ = ["STRUCTURE", "Labels", "Bounds", "GenerativeConfig", "Generated", "to_json", "from_json", "template_of",
           "output_regex", "output_schema", "train_tokenizer", "build_model", "decoder_vocabulary", "JsonIndex",
           "ConstrainedDecoder", "SpeculativeDecoder", "OutlinesDecoder", "DECODERS", "get_decoder",
           "GenerativeModel", "train_generative", "save_generative", "load_generative"]
