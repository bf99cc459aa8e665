"""The generative baseline: a small BART trained here to write a `Parse` as compact JSON, and three decoders of it.

The output format is compact JSON of the tasks, with span texts instead of word indexes::

    [{"type":"Picking","trigger":"take","arguments":[{"role":"Theme","text":"newspaper","class":"newspaper"}]}]

Tokeniser: a byte-level BPE trained here on the training split (instructions and targets), about 1.2k tokens,
instead of the MiniLM word-piece vocabulary: 30.5k x 256 embeddings alone would be 15.6 MB in fp16 (over the
15 MB budget), a 30k-wide output layer costs as much as the decoder itself on CPU, and word pieces do not
concatenate back to their text ("##ing"), which stock outlines would spell wrongly. Byte-level BPE spells any
input (no unknown token) and its tokens concatenate to the decoded text. The JSON punctuation between values is
a handful of added tokens (`STRUCTURE`), one per structural segment, so the target tokenisation of the format is
unique: the decoders of this project spell structure only with them (tokens that contain `"{}[],:` otherwise are
left out of their vocabulary; values cannot contain those characters), which makes every structural step after a
completed label forced (jump-forward, no model call), and training used exactly these tokens.

Decoders, same model and greedy:
(a) `OutlinesDecoder`: stock `outlines.Generator(model, JsonSchema(schema))` over HF `generate`;
(b) `ConstrainedDecoder`: an outlines-core `Index` of `output_regex` over the decoder vocabulary, logits masked at
    every step, EOS only in final states, tokens that could not be completed within the length budget masked too
    (so a weak model cannot end mid-structure), KV cache, one decoder call per token;
(c) `SpeculativeDecoder`: (b) plus jump-forward of forced tokens and drafts verified in one decoder pass, accepted
    while equal to the masked greedy choice, so its output is (b)'s. Drafts: prompt lookup over the source sentence
    (the value being written continued as the instruction continues it; a new value as the next content word after
    the previous span), the class drafted as the span's last word, and a Token-Recycling-style table of what
    followed each token pair in earlier outputs, chained with forced tokens.
(b) and (c) take `spans=True` ("constrained+spans", "speculative+spans"): trigger and argument texts are then also
restricted to runs of the instruction's words (a mask beside the index), so every span is found in the instruction.
Both run the decoder through `_Cache`, the same BART math without HF's per-call machinery (tested equal to HF's
forward); (a) runs HF `generate` as a user of outlines would.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .errors import ModelError
from .files import read_text, write_atomic
from .parse import Argument, Parse, TaskFrame
from .tokenize import split_words

__all__ = ["STRUCTURE", "Labels", "Bounds", "GenerativeConfig", "Generated", "to_json", "from_json",
           "output_regex", "output_schema", "train_tokenizer", "build_model", "decoder_vocabulary", "JsonIndex",
           "ConstrainedDecoder", "SpeculativeDecoder", "OutlinesDecoder", "GenerativeModel", "train_generative",
           "save_generative", "load_generative", "DEFAULT_CHECKPOINT", "DEFAULT_LABELS"]

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "data" / "models" / "generative"
DEFAULT_LABELS = Path(__file__).resolve().parent.parent / "data" / "tage" / "raw" / "labels"

# the JSON between values: one token each, so the format has a single tokenisation
EMPTY, OPEN, TRIGGER = '[]', '[{"type":"', '","trigger":"'
ARGS, NO_ARGS_NEXT, NO_ARGS_END = '","arguments":[{"role":"', '","arguments":[]},{"type":"', '","arguments":[]}]'
TEXT, CLASS = '","text":"', '","class":"'
NEXT_ARG, NEXT_TASK, END = '"},{"role":"', '"}]},{"type":"', '"}]}]'
STRUCTURE = (EMPTY, OPEN, TRIGGER, ARGS, NO_ARGS_NEXT, NO_ARGS_END, TEXT, CLASS, NEXT_ARG, NEXT_TASK, END)
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")  # ids 0-3: padding, decoder start, end of output, unused
PAD, BOS, EOS = 0, 1, 2
_JSON_CHARS = set('"{}[],:')
_WORD = "[A-Za-z0-9]{1,24}"  # a word of a span text: what the datasets' spans contain, bounded


@dataclass(frozen=True)
class Labels:
    """The task types, roles and detector classes the output may name (plain data, from the label files)."""

    task_types: tuple[str, ...]
    roles: tuple[str, ...]
    classes: tuple[str, ...]

    @classmethod
    def read(cls, folder: str | Path = DEFAULT_LABELS) -> Labels:
        words = lambda name: tuple(read_text(Path(folder) / name).split())
        return cls(words("tasks.txt"), words("args.txt"), words("grounding.txt"))


@dataclass(frozen=True)
class Bounds:
    """Every repetition of the output format is bounded, so a weak model cannot loop until the length limit."""

    max_tasks: int = 8          # the splits have at most 8 tasks per instruction
    max_arguments: int = 6      # and at most 6 arguments per task
    max_span_words: int = 6     # and spans of at most 6 words
    max_new_tokens: int = 200   # output tokens; with the start token, within the model's 256 positions


# ---- the format --------------------------------------------------------------------------------------------------
def to_json(parse: Parse) -> str:
    """The compact JSON target of `parse` (attributes and offsets are not part of the format).

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> to_json(p)
    '[{"type":"Picking","trigger":"pick","arguments":[{"role":"Theme","text":"cup","class":"cup"}]}]'
    """
    tasks = [{"type": t.type, "trigger": t.trigger.text,
              "arguments": [{"role": a.role, "text": a.span.text, "class": a.grounding} for a in t.arguments]}
             for t in parse.tasks]
    return json.dumps(tasks, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Generated:
    """A decoded instruction: the JSON text, its parse, whether everything in it was usable, and its cost."""

    text: str
    parse: Parse
    valid: bool        # the text is JSON of the format and every span was found in the instruction
    dropped: int       # arguments (and tasks, for a trigger) whose span text is not in the instruction
    calls: int         # decoder forward passes
    tokens: tuple[int, ...] = ()


def from_json(text: str, template: Parse) -> tuple[Parse, bool, int]:
    """(parse, valid, dropped): `text` read back onto `template`'s words; spans match their first occurrence
    (case-insensitive); an argument whose text is not found is dropped, a task whose trigger is not found too.
    Text that is not JSON of the format gives an empty parse, not valid."""
    try:
        tasks = json.loads(text)
        if not isinstance(tasks, list):
            raise TypeError("not a list of tasks")
        frames, dropped = [], 0
        for t in tasks:
            trigger = _find(template, t["trigger"])
            args = [(a, _find(template, a["text"])) for a in t["arguments"]]
            dropped += sum(s is None for _, s in args) + (trigger is None)
            if trigger is not None:
                frames.append(TaskFrame(type=t["type"], trigger=trigger, arguments=tuple(
                    Argument(role=a["role"], span=s, grounding=a["class"]) for a, s in args if s is not None)))
    except (json.JSONDecodeError, TypeError, KeyError, ValueError):
        return template.model_copy(update={"tasks": ()}), False, 0
    return template.model_copy(update={"tasks": tuple(frames)}), dropped == 0, dropped


def _find(template: Parse, text: str):
    """The span of the first occurrence of `text`'s words, with their case, else regardless of case."""
    words = text.split()
    for fold in (str, str.lower):
        wanted, tokens = [fold(w) for w in words], [fold(w) for w in template.tokens]
        for i in range(len(tokens) - len(words) + 1 if words else 0):
            if tokens[i : i + len(words)] == wanted:
                return template.span(i, i + len(words) - 1)
    return None


def template_of(instruction: str) -> Parse:
    """An empty parse of `instruction` over its whitespace words (the datasets' tokenisation)."""
    tokens, offsets = split_words(instruction)
    return Parse(instruction=instruction, tokens=tokens, offsets=offsets)


def _alternatives(words: Sequence[str]) -> str:
    return "(" + "|".join(re.escape(w) for w in words) + ")"


def output_regex(labels: Labels, bounds: Bounds = Bounds()) -> str:
    """The regex of the format: label enums, span texts of bounded words, bounded task and argument counts."""
    text = f"{_WORD}( {_WORD}){{0,{bounds.max_span_words - 1}}}"
    q = re.escape
    arg = f"{_alternatives(labels.roles)}{q(TEXT)}{text}{q(CLASS)}{_alternatives(labels.classes)}"
    args = f"{q(ARGS)}{arg}({q(NEXT_ARG)}{arg}){{0,{bounds.max_arguments - 1}}}"
    head = f"{_alternatives(labels.task_types)}{q(TRIGGER)}{text}"
    # a task is its head, then its arguments or none, then what follows: another task or the end
    more = f"{head}({args}{q(NEXT_TASK)}|{q(NO_ARGS_NEXT)})"
    last = f"{head}({args}{q(END)}|{q(NO_ARGS_END)})"
    return f"{q(EMPTY)}|{q(OPEN)}({more}){{0,{bounds.max_tasks - 1}}}{last}"


def output_schema(labels: Labels, bounds: Bounds = Bounds()) -> dict:
    """The JSON Schema of the same format, for stock outlines."""
    text = {"type": "string", "pattern": f"^{_WORD}( {_WORD}){{0,{bounds.max_span_words - 1}}}$"}
    argument = {"type": "object", "properties": {"role": {"enum": list(labels.roles)}, "text": text,
                                                 "class": {"enum": list(labels.classes)}},
                "required": ["role", "text", "class"], "additionalProperties": False}
    task = {"type": "object", "properties": {"type": {"enum": list(labels.task_types)}, "trigger": text,
                                             "arguments": {"type": "array", "items": argument,
                                                           "maxItems": bounds.max_arguments}},
            "required": ["type", "trigger", "arguments"], "additionalProperties": False}
    return {"type": "array", "items": task, "maxItems": bounds.max_tasks}


# ---- tokenizer and model -----------------------------------------------------------------------------------------
def train_tokenizer(texts: Sequence[str], vocab_size: int = 1200):
    """A byte-level BPE over `texts`, with the specials and the structural tokens, as a HF fast tokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIALS), min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(list(texts), trainer)
    tok.add_tokens([AddedToken(s, normalized=False) for s in STRUCTURE])
    return _wrap(tok)


def _wrap(tok):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=1024)


@dataclass
class GenerativeConfig:
    """The seq2seq model: a small BART trained from scratch, embeddings tied."""

    vocab_size: int = 1215        # set from the tokenizer
    d_model: int = 256            # width of every layer
    layers: int = 3               # encoder layers, and as many decoder layers
    heads: int = 4                # attention heads (64 dimensions each)
    ffn: int = 1024               # feed-forward width
    dropout: float = 0.1          # on residuals and attention
    max_positions: int = 256      # learned positions, source and target
    bounds: Bounds = field(default_factory=Bounds)


def build_model(config: GenerativeConfig):
    """A `BartForConditionalGeneration` of `config`, with generation defaults that cannot cut the JSON short."""
    from transformers import BartConfig, BartForConditionalGeneration

    bart = BartConfig(vocab_size=config.vocab_size, d_model=config.d_model, encoder_layers=config.layers,
                      decoder_layers=config.layers, encoder_attention_heads=config.heads,
                      decoder_attention_heads=config.heads, encoder_ffn_dim=config.ffn, decoder_ffn_dim=config.ffn,
                      dropout=config.dropout, attention_dropout=config.dropout, max_position_embeddings=
                      config.max_positions, pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                      decoder_start_token_id=BOS, forced_bos_token_id=None,
                      forced_eos_token_id=None,  # BART's default 2 makes every logit -inf at the length limit
                      scale_embedding=True, tie_word_embeddings=True)
    model = BartForConditionalGeneration(bart)
    gen = model.generation_config
    gen.forced_eos_token_id = gen.forced_bos_token_id = None
    gen.decoder_start_token_id, gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = BOS, BOS, EOS, PAD
    gen.do_sample, gen.num_beams, gen.no_repeat_ngram_size = False, 1, 0
    gen.max_length = None
    return model


# ---- the constrained index over the decoder vocabulary -----------------------------------------------------------
def decoder_vocabulary(tokenizer) -> dict[str, list[int]]:
    """Token text -> ids for the constrained decoders: what each token decodes to (not its `Ġ` spelling), special
    tokens left out, and JSON punctuation only through the structural tokens."""
    structure = set(STRUCTURE)
    out: dict[str, list[int]] = {}
    for token, i in tokenizer.get_vocab().items():
        if i < len(SPECIALS):
            continue
        text = tokenizer.convert_tokens_to_string([token])
        if not text or "\ufffd" in text or (text not in structure and _JSON_CHARS & set(text)):
            continue
        out.setdefault(text, []).append(i)
    return out


class JsonIndex:
    """The compiled `output_regex` over the decoder vocabulary, with per-state allowed-token tensors (cached).

    `allowed(state, left)` also leaves out tokens after which the output could not be completed in the `left`
    tokens that remain (the shortest completion of every state is known), so the output is complete and valid even
    when a weak model would run to the length limit.
    """

    def __init__(self, tokenizer, labels: Labels, bounds: Bounds = Bounds()):
        from outlines_core import Index, Vocabulary

        self.regex = output_regex(labels, bounds)
        t0 = time.perf_counter()
        self.index = Index(self.regex, Vocabulary(EOS, decoder_vocabulary(tokenizer)))
        self.compile_ms = (time.perf_counter() - t0) * 1000
        self.start = self.index.get_initial_state()
        self._moves = {s: {t: n for t, n in moves.items() if t != EOS}
                       for s, moves in self.index.get_transitions().items()}
        self.distance = self._distances()
        self._allowed: dict[tuple[int, int], torch.Tensor] = {}
        self._worst: dict[int, int] = {}

    def _distances(self) -> dict[int, int]:
        """Fewest tokens from each state to a final state (breadth-first over the reversed transitions)."""
        back: dict[int, set[int]] = {}
        for s, moves in self._moves.items():
            for n in moves.values():
                back.setdefault(n, set()).add(s)
        dist = {s: 0 for s in self.index.get_final_states()}
        frontier = list(dist)
        while frontier:
            nxt = []
            for n in frontier:
                for s in back.get(n, ()):
                    if s not in dist:
                        dist[s] = dist[n] + 1
                        nxt.append(s)
            frontier = nxt
        return dist

    def allowed(self, state: int, left: int = 1 << 30) -> torch.Tensor:
        """The sorted token ids allowed in `state` with `left` tokens of budget (EOS only in final states)."""
        moves = self._moves.get(state, {})
        if state not in self._worst:
            self._worst[state] = max((self.distance.get(n, 1 << 30) for n in moves.values()), default=0)
        worst = self._worst[state]
        key = (state, -1 if worst < left else left)
        if key not in self._allowed:
            ids = [t for t, n in moves.items() if key[1] < 0 or self.distance.get(n, 1 << 30) < left]
            ids += [EOS] if self.index.is_final_state(state) else []
            self._allowed[key] = torch.tensor(sorted(ids), dtype=torch.long)
        return self._allowed[key]

    def advance(self, state: int, token: int) -> int | None:
        return self.index.get_next_state(state, token)

    def accepts(self, tokens: Sequence[int]) -> bool:
        """Whether `tokens` (without EOS) is a complete output of the format."""
        state = self.start
        for t in tokens:
            state = self.advance(state, t)
            if state is None:
                return False
        return self.index.is_final_state(state)


# ---- the model with its tokenizer ----------------------------------------------------------------------------------
class GenerativeModel:
    """A trained seq2seq model, its tokenizer, labels and bounds; `encode` and `step` are what decoders call."""

    def __init__(self, model, tokenizer, labels: Labels, config: GenerativeConfig):
        self.model, self.tokenizer, self.labels, self.config = model.eval(), tokenizer, labels, config
        self.bounds = config.bounds
        self._index: JsonIndex | None = None
        self._pieces: dict[str, list[int]] = {}

    @property
    def index(self) -> JsonIndex:
        if self._index is None:
            self._index = JsonIndex(self.tokenizer, self.labels, self.bounds)
        return self._index

    def source_ids(self, instruction: str) -> torch.Tensor:
        """(1, S) token ids of the instruction, as outlines encodes it (no special tokens), truncated."""
        ids = self.tokenizer(instruction, return_tensors="pt")["input_ids"]
        return ids[:, : self.config.max_positions]

    def pieces(self, text: str) -> list[int]:
        """The token ids of `text` alone (cached): how the target spells a span copied from the instruction."""
        if text not in self._pieces:
            self._pieces[text] = self.tokenizer(text)["input_ids"]
        return self._pieces[text]

    @torch.no_grad()
    def encode(self, instruction: str):
        ids = self.source_ids(instruction)
        if ids.shape[1] == 0:
            ids = torch.tensor([[EOS]])
        return self.model.get_encoder()(input_ids=ids, attention_mask=torch.ones_like(ids)), ids.shape[1]

    @torch.no_grad()
    def step(self, encoded, tokens: Sequence[int], cache: _Cache | None):
        """(logits (T, V) of the next token after each of `tokens`, cache): one decoder pass over new tokens."""
        if cache is None:
            cache = _Cache.start(self.model, encoded[0].last_hidden_state)
        return cache.run(self.model, tokens), cache

    @torch.no_grad()
    def step_hf(self, encoded, tokens: Sequence[int], cache):
        """`step` through HF's forward (the reference the lean step is tested against)."""
        enc, n = encoded
        out = self.model(encoder_outputs=enc, attention_mask=torch.ones(1, n, dtype=torch.long),
                         decoder_input_ids=torch.tensor([list(tokens)]), cache=cache, use_cache=True)
        return out.logits[0], out.cache


def _heads(x: torch.Tensor, h: int) -> torch.Tensor:
    B, T, C = x.shape
    return x.view(B, T, h, C // h).transpose(1, 2)  # (B, h, T, C/h)


def _merge(x: torch.Tensor) -> torch.Tensor:
    B, h, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, h * d)  # (B, T, C)


class _Cache:
    """The BART decoder's keys and values, run without HF's per-call machinery: the same weights and math
    (post-norm layers, learned positions offset by 2, tied output layer plus its bias), a tenth of the overhead."""

    def __init__(self, cross: list[tuple[torch.Tensor, torch.Tensor]], heads: int):
        self.cross, self.heads, self.n = cross, heads, 0
        self.keys: list[torch.Tensor | None] = [None] * len(cross)
        self.values: list[torch.Tensor | None] = [None] * len(cross)

    @classmethod
    def start(cls, model, memory: torch.Tensor) -> _Cache:
        """The cache of one instruction: cross-attention keys and values of the encoder output (1, S, C)."""
        h = model.config.decoder_attention_heads
        layers = model.get_decoder().layers
        return cls([(_heads(la.encoder_attn.k_proj(memory), h), _heads(la.encoder_attn.v_proj(memory), h))
                    for la in layers], h)

    def get_seq_length(self) -> int:
        return self.n

    def crop(self, remove: int) -> None:
        """Forget the last `-remove` positions (HF's convention: a negative count removes)."""
        if remove < 0:
            self.n += remove
            self.keys = [k[:, :, : self.n] for k in self.keys]
            self.values = [v[:, :, : self.n] for v in self.values]

    def run(self, model, tokens: Sequence[int]) -> torch.Tensor:
        F = torch.nn.functional
        dec, h, P, T = model.get_decoder(), self.heads, self.n, len(tokens)
        x = dec.embed_tokens(torch.tensor([list(tokens)])) + dec.embed_positions.weight[P + 2 : P + 2 + T][None]
        x = dec.layernorm_embedding(x)  # (1, T, C)
        mask = None if T == 1 else torch.ones(T, P + T, dtype=torch.bool).tril(P)  # causal among the new tokens
        for i, layer in enumerate(dec.layers):
            a = layer.self_attn
            k, v = _heads(a.k_proj(x), h), _heads(a.v_proj(x), h)
            if self.keys[i] is not None:
                k, v = torch.cat([self.keys[i], k], 2), torch.cat([self.values[i], v], 2)
            self.keys[i], self.values[i] = k, v
            y = F.scaled_dot_product_attention(_heads(a.q_proj(x), h), k, v, attn_mask=mask)
            x = layer.self_attn_layer_norm(x + a.out_proj(_merge(y)))
            c = layer.encoder_attn
            y = F.scaled_dot_product_attention(_heads(c.q_proj(x), h), *self.cross[i])
            x = layer.encoder_attn_layer_norm(x + c.out_proj(_merge(y)))
            x = layer.final_layer_norm(x + layer.fc2(layer.activation_fn(layer.fc1(x))))
        self.n = P + T
        return (model.lm_head(x) + model.final_logits_bias)[0]  # (T, V)


# ---- decoders ------------------------------------------------------------------------------------------------------
class _SourceSpans:
    """The span values an instruction allows: its runs of up to `max_words` words (lower case), and their prefixes."""

    def __init__(self, instruction: str, max_words: int):
        words = instruction.lower().split()
        self.full = {" ".join(words[i:j]) for i in range(len(words))
                     for j in range(i + 1, min(len(words), i + max_words) + 1)}
        self.prefixes = {s[:n] for s in self.full for n in range(1, len(s) + 1)}


class _Decoder:
    name = "?"

    def __init__(self, gm: GenerativeModel, spans: bool = False):
        self.gm, self.spans = gm, spans
        vocab = gm.tokenizer.get_vocab()
        self._structure = {vocab[s] for s in STRUCTURE}
        self._copy_after = {vocab[TRIGGER], vocab[TEXT]}
        self._token_text = [gm.tokenizer.convert_tokens_to_string([t]).lower()
                            for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
        if spans:
            self.name += "+spans"

    def __call__(self, instruction: str, template: Parse | None = None) -> Generated:
        template = template or template_of(instruction)
        text, calls, tokens = self._generate(instruction)
        parse, valid, dropped = from_json(text, template)
        return Generated(text, parse, valid, dropped, calls, tuple(tokens))

    def _generate(self, instruction: str) -> tuple[str, int, list[int]]:
        raise NotImplementedError

    def _text(self, tokens: Sequence[int]) -> str:
        return self.gm.tokenizer.decode(list(tokens), skip_special_tokens=True)

    def _sources(self, instruction: str) -> _SourceSpans | None:
        return _SourceSpans(instruction, self.gm.bounds.max_span_words) if self.spans else None

    def _allowed(self, out: list[int], state: int, sources: _SourceSpans | None) -> torch.Tensor:
        """The index's allowed tokens; with `spans`, inside a trigger or text value only tokens that keep it a
        run of the instruction's words, and closing it only once it is one (unless that leaves nothing)."""
        allowed = self.gm.index.allowed(state, self.gm.bounds.max_new_tokens - len(out))
        if sources is None:
            return allowed
        k = len(out)
        while k > 0 and out[k - 1] not in self._structure:
            k -= 1
        if k == 0 or out[k - 1] not in self._copy_after:
            return allowed
        value, text = "".join(self._token_text[t] for t in out[k:]), self._token_text
        keep = [t for t in allowed.tolist() if (value in sources.full if t in self._structure
                                                 else value + text[t] in sources.prefixes)]
        return torch.tensor(keep, dtype=torch.long) if keep else allowed


def _masked_argmax(logits: torch.Tensor, allowed: torch.Tensor) -> int:
    # the first maximum among sorted allowed ids: the same tie-break as argmax over -inf-masked logits
    return int(allowed[int(logits[allowed].argmax())])


class ConstrainedDecoder(_Decoder):
    """(b) Greedy under the outlines-core index, one decoder call per token, KV cache."""

    name = "constrained"

    def _generate(self, instruction):
        gm, index = self.gm, self.gm.index
        encoded, state, out, pending, cache, calls = gm.encode(instruction), index.start, [], [BOS], None, 0
        sources = self._sources(instruction)
        while len(out) < gm.bounds.max_new_tokens:
            logits, cache = gm.step(encoded, pending, cache)
            calls += 1
            token = _masked_argmax(logits[-1], self._allowed(out, state, sources))
            if token == EOS:
                break
            state, pending = index.advance(state, token), [token]
            out.append(token)
        return self._text(out), calls, out


@dataclass
class _Recycler:
    """Token-Recycling-style table: the token that last followed each pair of tokens in earlier outputs (bounded)."""

    follow: dict[tuple[int, int], int] = field(default_factory=dict)
    class_of: dict[str, str] = field(default_factory=dict)  # argument text (lower case) -> its last class
    limit: int = 1 << 16

    def learn(self, tokens: Sequence[int], text: str) -> None:
        seq = [BOS, BOS, *tokens, EOS]
        for a, b, c in zip(seq, seq[1:], seq[2:], strict=False):
            if len(self.follow) < self.limit or (a, b) in self.follow:
                self.follow[a, b] = c
        for task in json.loads(text):  # the output is complete JSON of the format
            for arg in task["arguments"]:
                if len(self.class_of) < self.limit:
                    self.class_of[arg["text"].lower()] = arg["class"]

    def next(self, a: int, b: int) -> int | None:
        return self.follow.get((a, b))


class SpeculativeDecoder(_Decoder):
    """(c) `ConstrainedDecoder` with jump-forward of forced tokens and drafts verified in one pass; same output."""

    name = "speculative"

    def __init__(self, gm: GenerativeModel, spans: bool = False, draft_len: int = 8):
        super().__init__(gm, spans)
        self.draft_len = draft_len
        self.table = _Recycler()
        self._class_after, self._text_id = gm.tokenizer.get_vocab()[CLASS], gm.tokenizer.get_vocab()[TEXT]

    def _generate(self, instruction):
        gm, index = self.gm, self.gm.index
        encoded, state, out, pending, cache, calls = gm.encode(instruction), index.start, [], [BOS], None, 0
        sources, copies, words = self._sources(instruction), self._copies(instruction), instruction.split()
        while len(out) < gm.bounds.max_new_tokens:
            allowed = self._allowed(out, state, sources)
            if len(allowed) == 1:  # jump-forward: the grammar leaves one choice
                token = int(allowed[0])
                if token == EOS:
                    break
                state = index.advance(state, token)
                out.append(token)
                pending.append(token)
                continue
            room = gm.bounds.max_new_tokens - len(out) - 1  # drafted tokens must stay within the positions
            draft = self._draft(out, state, copies, words)[: max(room, 0)]
            logits, cache = gm.step(encoded, pending + draft, cache)
            calls += 1
            done, accepted, state = self._verify(logits[len(pending) - 1 :], draft, state, out, sources)
            if done:
                break
            cache.crop(accepted - len(draft))  # forget the rejected draft tokens (a negative count removes)
            pending = [out[-1]]
        text = self._text(out)
        self.table.learn(out, text)
        return text, calls, out

    def _verify(self, logits, draft, state, out, sources) -> tuple[bool, int, int]:
        """Commit masked greedy choices while they equal the draft: (EOS reached, draft tokens accepted, state)."""
        index = self.gm.index
        for i in range(len(draft) + 1):
            token = _masked_argmax(logits[i], self._allowed(out, state, sources))
            if token == EOS:
                return True, i, state
            state = index.advance(state, token)
            out.append(token)
            if i == len(draft) or token != draft[i] or len(out) >= self.gm.bounds.max_new_tokens:
                return False, i, state
        raise AssertionError("unreachable")

    # ---- drafts --------------------------------------------------------------------------------------------------
    def _copies(self, instruction: str) -> list[list[int]]:
        """For each word of the instruction, the tokens of the words from it on, as a span value spells them."""
        words = instruction.split()
        n = self.gm.bounds.max_span_words
        return [self.gm.pieces(" ".join(words[i : i + n])) for i in range(len(words))]

    def _draft(self, out: list[int], state: int, copies: list[list[int]], words: list[str]) -> list[int]:
        """The source copy of the value being written, then forced tokens and the table's guesses, while valid."""
        index, draft = self.gm.index, []
        for t in self._copy(out, copies, words)[: self.draft_len]:
            state = index.advance(state, t)
            if state is None:
                return draft
            draft.append(t)
        seq = [BOS, BOS, *out, *draft]  # BOS twice: the pair before the first token
        while len(draft) < self.draft_len:
            allowed = index.allowed(state)
            t = int(allowed[0]) if len(allowed) == 1 else self.table.next(seq[-2], seq[-1])
            if t is None or t == EOS:
                return draft
            state = index.advance(state, t)
            if state is None:
                return draft
            draft.append(t)
            seq.append(t)
        return draft

    def _copy(self, out: list[int], copies: list[list[int]], words: list[str]) -> list[int]:
        """Prompt lookup over the source: the value being written continued as the instruction continues it; a new
        value drafted as the instruction's next content words after the previous span; a class as the span's last
        word, lower-cased."""
        k = len(out)
        while k > 0 and out[k - 1] not in self._structure:
            k -= 1
        if k == 0:
            return []
        value = out[k:]
        if out[k - 1] == self._class_after and not value:
            text = self._text(self._previous_value(out, k - 1)).lower()
            guess = self.table.class_of.get(text) or (text.split() or [""])[-1]
            return self.gm.pieces(guess) if guess else []
        if out[k - 1] not in self._copy_after:
            return []
        if not value:
            m = self._after_previous_span(out, k - 1, words)
            return self._then_class(out[k - 1], copies[m], "") if m < len(copies) else []
        for src in copies:
            if src[: len(value)] == value and len(src) > len(value):
                return self._then_class(out[k - 1], src[len(value) :], self._text(value))
        return []

    def _then_class(self, opener: int, rest: list[int], written: str) -> list[int]:
        """`rest` up to the end of its first word; after a text value, then the class token and the word as class."""
        end = next((i for i in range(len(rest)) if self._token_text[rest[i]].startswith(" ")), len(rest))
        if opener != self._text_id:
            return rest[:end]
        text = (written + self._text(rest[:end])).lower()
        guess = self.table.class_of.get(text) or (text.split() or [""])[-1]
        return rest[:end] + [self._class_after] + (self.gm.pieces(guess) if guess else [])

    def _previous_value(self, out: list[int], end: int) -> list[int]:
        """The tokens of the value that ends at `end` (a structural token)."""
        start = max((i for i in range(end) if out[i] in self._structure), default=-1)
        return out[start + 1 : end]

    def _after_previous_span(self, out: list[int], end: int, words: list[str]) -> int:
        """The first content word after the last trigger or argument text written before `end` (0 if none)."""
        opens = [i for i in range(end) if out[i] in self._copy_after]
        if not opens:
            return _next_content(words, 0)
        j = opens[-1] + 1
        close = next((i for i in range(j, end + 1) if out[i] in self._structure), end)
        text = self._text(out[j:close]).lower().split()
        lower = [w.lower() for w in words]
        at = next((i for i in range(len(lower)) if lower[i : i + len(text)] == text), None) if text else None
        return _next_content(words, 0 if at is None else at + len(text))


_FUNCTION_WORDS = frozenset("the a an to of in on at from into onto and then with this that please".split())


def _next_content(words: list[str], start: int) -> int:
    while start < len(words) and words[start].lower() in _FUNCTION_WORDS:
        start += 1
    return start


class OutlinesDecoder(_Decoder):
    """(a) Stock outlines: `outlines.Generator(model, JsonSchema(schema))` over HF `generate` (greedy)."""

    name = "outlines"

    def __init__(self, gm: GenerativeModel):
        import outlines

        super().__init__(gm)
        t0 = time.perf_counter()
        self.model = outlines.from_transformers(gm.model, gm.tokenizer)
        self.generator = outlines.Generator(self.model, outlines.types.JsonSchema(output_schema(gm.labels, gm.bounds)))
        self.compile_ms = (time.perf_counter() - t0) * 1000
        self._calls = 0
        self._hook = gm.model.get_decoder().register_forward_hook(self._count)

    def _count(self, *_):
        self._calls += 1

    def _generate(self, instruction):
        self._calls = 0
        ids = self.gm.source_ids(instruction)
        if ids.shape[1] == 0 or ids.shape[1] >= self.gm.config.max_positions:
            instruction = self.gm.tokenizer.decode(ids[0] if ids.shape[1] else [EOS])
        text = self.generator(instruction, max_new_tokens=self.gm.bounds.max_new_tokens, do_sample=False)
        return text, self._calls, list(self.gm.tokenizer(text)["input_ids"])


DECODERS: dict[str, Callable[[GenerativeModel], _Decoder]] = {
    "outlines": OutlinesDecoder, "constrained": ConstrainedDecoder, "speculative": SpeculativeDecoder,
    "constrained+spans": lambda gm: ConstrainedDecoder(gm, spans=True),
    "speculative+spans": lambda gm: SpeculativeDecoder(gm, spans=True)}


def get_decoder(name: str, gm: GenerativeModel) -> _Decoder:
    """The decoder called `name` over `gm`: "outlines", "constrained", "speculative", or one of the last two with
    "+spans" (trigger and argument texts restricted to runs of the instruction's words)."""
    if name not in DECODERS:
        raise ValueError(f"unknown generative decoder {name!r}; known: {sorted(DECODERS)}")
    return DECODERS[name](gm)


# ---- training -----------------------------------------------------------------------------------------------------
def _examples(tokenizer, parses: Sequence[Parse], max_len: int) -> list[tuple[list[int], list[int]]]:
    rows = []
    for p in parses:
        src = tokenizer(p.instruction)["input_ids"][:max_len] or [EOS]
        tgt = tokenizer(to_json(p))["input_ids"][: max_len - 1] + [EOS]
        rows.append((src, tgt))
    return rows


def _batch(rows):
    pad = lambda seqs, fill: torch.tensor([s + [fill] * (max(map(len, seqs)) - len(s)) for s in seqs])
    src = pad([r[0] for r in rows], PAD)
    tgt = [r[1] for r in rows]
    return {"input_ids": src, "attention_mask": (src != PAD).long(), "decoder_input_ids": pad([[BOS] + t[:-1]
            for t in tgt], PAD), "labels": pad(tgt, -100)}


@torch.no_grad()
def _loss(model, rows, batch_size: int = 64) -> float:
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(rows), batch_size):
        batch = _batch(rows[i : i + batch_size])
        n = int((batch["labels"] != -100).sum())
        total += float(model(**batch).loss) * n
        count += n
    return total / max(count, 1)


def train_generative(train: Sequence[Parse], dev: Sequence[Parse], out: str | Path | None, seed: int = 0,
                     epochs: int = 30, log: Callable[[str], None] = print, batch_size: int = 32, lr: float = 1e-3,
                     labels: Labels | None = None, config: GenerativeConfig | None = None) -> GenerativeModel:
    """Train the tokenizer and the model on `train`, keep the epoch of lowest dev loss, save it to `out`.

    Deterministic for a seed (single-threaded torch gives the same numbers); the dev split only selects.
    """
    random.seed(seed)
    torch.manual_seed(seed)
    labels = labels or Labels.read()
    tokenizer = train_tokenizer([p.instruction for p in train] + [to_json(p) for p in train])
    config = config or GenerativeConfig()
    config.vocab_size = len(tokenizer)
    model = build_model(config)
    log(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M, embeddings "
        f"{model.get_input_embeddings().weight.numel() / 1e6:.2f}M, vocab {config.vocab_size}")
    rows, dev_rows = _examples(tokenizer, train, config.max_positions), _examples(tokenizer, dev, config.max_positions)
    steps = epochs * math.ceil(len(rows) / batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, min(200, steps // 10))
    shape = lambda s: min((s + 1) / warmup, max(0.02, (steps - s) / max(1, steps - warmup)))  # warm up, decay linearly
    sched = torch.optim.lr_scheduler.LambdaLR(opt, shape)
    order = random.Random(seed)
    best, best_state, t0 = math.inf, None, time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        idx = list(range(len(rows)))
        order.shuffle(idx)
        total = 0.0
        for i in range(0, len(idx), batch_size):
            loss = model(**_batch([rows[j] for j in idx[i : i + batch_size]])).loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item()
        dev_loss = _loss(model, dev_rows)
        if dev_loss < best:
            best, best_state = dev_loss, {k: v.detach().clone() for k, v in model.state_dict().items()}
        log(f"epoch {epoch} train {total / math.ceil(len(idx) / batch_size):.4f} dev {dev_loss:.4f} "
            f"best {best:.4f} {time.time() - t0:.0f}s")
    model.load_state_dict(best_state)
    gm = GenerativeModel(model, tokenizer, labels, config)
    if out is not None:
        save_generative(gm, out, {"seed": seed, "epochs": epochs, "dev_loss": best, "train_seconds": time.time() - t0})
    return gm


# ---- checkpoint ---------------------------------------------------------------------------------------------------
GEN_CONFIG = "generative.json"


def save_generative(gm: GenerativeModel, folder: str | Path, extra: dict | None = None) -> Path:
    """fp16 safetensors weights (tied embeddings once), the HF config, `tokenizer.json` and `generative.json`."""
    import copy

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(gm.model).half()
    half.save_pretrained(folder, safe_serialization=True)
    gm.tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    meta = {"format": 1, "config": asdict(gm.config), "labels": asdict(gm.labels), **(extra or {})}
    write_atomic(folder / GEN_CONFIG, json.dumps(meta, indent=2) + "\n")
    return folder


def load_generative(folder: str | Path = DEFAULT_CHECKPOINT) -> GenerativeModel:
    """The model saved by `save_generative` in float32 eval mode; `ModelError` names what is missing."""
    from tokenizers import Tokenizer
    from transformers import BartForConditionalGeneration

    folder = Path(folder)
    try:
        meta = json.loads(read_text(folder / GEN_CONFIG))
        cfg = dict(meta["config"])
        config = GenerativeConfig(**{**cfg, "bounds": Bounds(**cfg["bounds"])})
        labels = Labels(**{k: tuple(v) for k, v in meta["labels"].items()})
        tokenizer = _wrap(Tokenizer.from_file(str(folder / "tokenizer.json")))
        model = BartForConditionalGeneration.from_pretrained(folder, dtype=torch.float32, use_safetensors=True)
    except Exception as err:
        raise ModelError(f"{folder}: not a generative checkpoint ({err})") from err
    built = build_model(config)  # the generation settings of `build_model`, whatever the saved defaults
    model.generation_config = built.generation_config
    if len(tokenizer) != model.config.vocab_size:
        raise ModelError(f"{folder}: tokenizer has {len(tokenizer)} tokens, model {model.config.vocab_size}")
    return GenerativeModel(model, tokenizer, labels, config)

