"""The tagE-style extractor: a pretrained word encoder and a nested pointer decoder.

An outer GRU walks over tasks: from its state it picks a task type (or STOP), then the trigger's first and last
word by pointing into the sentence. For each task an inner GRU, started from the outer state and the task, walks
over that task's arguments: a role (or END), the span's first and last word, then the span's grounding class;
a tagging head then marks the argument's attribute words. Spans are pointers, so a span is always words of the
instruction, a span can be shared by several tasks or carry two roles, and a pronoun's argument can point at its
antecedent. The decoders of `decoding.decoders` call one head per decision; `loss` runs them all at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .encoder import WordEncoder
from .errors import ModelError

__all__ = ["ExtractorConfig", "Extractor", "Encoded", "PASS_DECISIONS", "PASS_SCORES"]

# what `Extractor.pass_scores` reads of packed decisions (`decoding.batching.pack`) and what it gives back
PASS_DECISIONS = ("types", "t_start", "t_end", "t_anchor", "t_used", "task_sentence", "task_index", "roles",
                  "a_start", "a_end", "classes", "a_inside")
PASS_SCORES = ("type", "t_start", "t_end", "outer", "role", "a_start", "a_end", "class", "inner", "attributes")


@dataclass
class ExtractorConfig:
    """Sizes and label inventories of the extractor; stored as JSON beside the weights."""

    task_types: list[str]
    roles: list[str]
    classes: list[str]
    attributes: list[str]
    encoder_trainable_layers: int = 4  # top MiniLM layers fine-tuned (and saved); the rest stay pretrained
    hidden: int = 256                  # width of the word BiGRU and of both decoder GRUs
    label_dim: int = 64                # embedding size of task types, roles and classes
    dropout: float = 0.25              # on word vectors and head inputs, training only
    rel_clip: int = 12                 # word distances to a pointer's anchor are clipped to +-rel_clip
    max_words: int = 128               # longest instruction accepted, in words
    max_tasks: int = 12                # decoding stops after this many tasks
    max_arguments: int = 8             # ... and after this many arguments in one task

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Encoded:
    """One encoded instruction: what every decision attends or points to."""

    words: torch.Tensor       # (L, H) contextual word vectors
    keys: torch.Tensor        # (L, H) pointer keys
    positions: torch.Tensor   # (L,) 0..L-1
    raw: torch.Tensor         # (L, C) the encoder's own word vectors: lexical evidence for grounding classes
    tokens: tuple[str, ...] = ()  # the words themselves, for decoders that draft by copying from them
    hint: object = None           # a cheap extractor's parse of the words, a first draft for speculative decoding

    @property
    def n(self) -> int:
        return self.words.shape[0]


def _mlp(d_in: int, d_out: int, hidden: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, d_out))


def _gather(words: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """(..., L, H) words at (...) indices -> (..., H); the leading axes broadcast, so one sentence's words serve
    all its tasks without being copied per task. Picked by a one-hot product (an einsum: no copy of the words per
    index in torch), exact for finite words (1 x w + 0 + ...), which exports as a few operations where a gather
    needs the index expanded to the words' shape at run time. An index outside 0..L-1 picks zeros: indices come
    from decoding and packing, which keep them inside the sentence."""
    one_hot = (torch.arange(words.shape[-2]) == index[..., None]).to(words.dtype)   # (..., L)
    return torch.einsum("...l,...lh->...h", one_hot, words)


class Extractor(nn.Module):
    """Encoder + nested decoder. Label ids: task types then STOP; roles then END; classes; attributes then none."""

    def __init__(self, config: ExtractorConfig, transformer: bool = True):
        super().__init__()
        self.config = c = config
        H, D = c.hidden, c.label_dim
        self.stop_id, self.end_id, self.no_attr = len(c.task_types), len(c.roles), len(c.attributes)
        # transformer=False: the encoder's transformer is not built (an ONNX runtime will run it)
        self.encoder = WordEncoder(c.encoder_trainable_layers, transformer)
        # inference in ONNX Runtime when set (`decoding.onnx_runtime.OnnxExtractor`: `encode` and `pass_scores`);
        # training runs torch
        self.runtime = None
        self.word_rnn = nn.GRU(self.encoder.dim, H // 2, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(c.dropout)
        self.type_emb = nn.Embedding(len(c.task_types) + 1, D)
        self.role_emb = nn.Embedding(len(c.roles) + 1, D)
        self.class_emb = nn.Embedding(len(c.classes), D)
        self.rel_emb = nn.Embedding(2 * c.rel_clip + 1, H)   # word position relative to the pointer's anchor
        self.len_emb = nn.Embedding(c.rel_clip + 2, H)       # span length if it ended here; 0 = before start
        self.span = nn.Linear(2 * H, H)
        self.init_outer = nn.Linear(H, H)
        self.init_inner = nn.Linear(2 * H + D, H)
        self.outer = nn.GRU(D + H, H, batch_first=True)
        self.inner = nn.GRU(2 * D + H, H, batch_first=True)
        self.attn = nn.Linear(H, H, bias=False)
        self.key = nn.Linear(H, H)
        self.type_head = _mlp(2 * H, len(c.task_types) + 1, H, c.dropout)
        self.role_head = _mlp(2 * H, len(c.roles) + 1, H, c.dropout)
        self.lexical = nn.Linear(self.encoder.dim, H)
        self.class_head = _mlp(3 * H + D, len(c.classes), H, c.dropout)
        self.used_emb = nn.Embedding(2, H)                   # word already inside an earlier task's trigger
        self.trigger_tagger = nn.Linear(H, len(c.task_types) + 1)  # auxiliary: a trigger of type t starts here
        self.start_query = nn.Linear(H + D, H)
        self.end_query = nn.Linear(2 * H + D, H)
        self.attr_head = _mlp(3 * H, len(c.attributes) + 1, H // 2, c.dropout)

    # ---- encoding ------------------------------------------------------------------------------------------
    def contextualise(self, vectors: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, L, C) encoder word vectors -> (B, L, H) word vectors and (B, L, H) pointer keys."""
        if torch.jit.is_tracing():  # exported (`decoding.onnx_runtime`): packed sequences do not export
            out = self.padded_bigru(self.drop(vectors), lengths)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(self.drop(vectors), lengths, batch_first=True,
                                                       enforce_sorted=False)
            out, _ = self.word_rnn(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=vectors.shape[1])
        out = self.drop(out)
        return out, self.key(out)

    def padded_bigru(self, vectors: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The word BiGRU over padded rows, as over packed sequences: each direction runs as a GRU of its own, the
        backward one over each sentence reversed within its length, so that padding comes after the words in both
        directions and changes none of their states; padded positions are zero."""
        rnn = self.word_rnn
        positions = torch.arange(vectors.shape[1])[None]
        real = positions < lengths[:, None]                                      # (B, L)
        flip = torch.where(real, lengths[:, None] - 1 - positions, positions)   # each sentence reversed in place
        at = lambda x: x.gather(1, flip[..., None].expand(-1, -1, x.shape[2]))
        h0 = vectors.new_zeros(1, vectors.shape[0], rnn.hidden_size)
        weights = lambda suffix: [getattr(rnn, f"{name}_l0{suffix}")
                                  for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        run = lambda x, suffix: torch.gru(x, h0, weights(suffix), True, 1, 0.0, self.training, False, True)[0]
        return torch.cat([run(vectors, ""), at(run(at(vectors), "_reverse"))], -1) * real[..., None]

    def encode(self, sentences: list[list[str]]) -> list[Encoded]:
        """Encode a batch of instructions (lists of words) for decoding (in ONNX Runtime when `runtime` is set)."""
        if not sentences or not all(sentences):
            raise ModelError("cannot encode an instruction of no words (the parser skips them)")
        lengths = torch.tensor([len(s) for s in sentences])
        if self.runtime is not None and not self.training:
            raw, words, keys = self.runtime.encode(self.encoder.pieces(sentences), lengths)
        else:
            raw = self.encoder(sentences)
            words, keys = self.contextualise(raw, lengths)
        return [Encoded(words[b, : len(s)], keys[b, : len(s)], torch.arange(len(s)), raw[b, : len(s)], tuple(s))
                for b, s in enumerate(sentences)]

    # ---- the heads: each maps a decoder state (..., H) to the scores of one decision ------------------------
    def span_vector(self, words: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.span(torch.cat([_gather(words, start), _gather(words, end)], -1)))

    def context(self, state: torch.Tensor, words: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Attention over words: one (H,) state over (L, H) words -> (H,), or the (..., S, H) states of a sequence
        over its (..., L, H) words -> (..., S, H); `mask` (..., L) marks the real words of padded batches."""
        q = self.attn(state)
        single = q.dim() < words.dim()
        scores = (q[..., None, :] if single else q) @ words.transpose(-1, -2)        # (..., S, L)
        if mask is not None:
            scores = scores.masked_fill(~mask[..., None, :], -1e9)
        out = scores.softmax(-1) @ words
        return out[..., 0, :] if single else out

    def type_scores(self, h, words, mask=None):
        """(..., T + 1): the next task type, or STOP."""
        return self.type_head(torch.cat([h, self.context(h, words, mask)], -1))

    def role_scores(self, g, words, mask=None):
        """(..., R + 1): the next argument's role, or END."""
        return self.role_head(torch.cat([g, self.context(g, words, mask)], -1))

    def start_scores(self, state, label, keys, positions, anchor, used=None):
        """(..., L): each word as a span's first word. `anchor` (the trigger's start, or the previous trigger's for
        a trigger) gives relative positions; `used` (..., L) flags words inside earlier triggers."""
        q = self.start_query(torch.cat([state, label], -1))
        clip = self.config.rel_clip
        keys = keys + self.rel_emb((positions - anchor[..., None]).clamp(-clip, clip) + clip)
        if used is not None:
            keys = keys + self.used_emb(used.long())
        return (keys @ q[..., None])[..., 0]

    def end_scores(self, state, label, words, keys, positions, start):
        """(..., L): each word as the last word of a span starting at `start`."""
        q = self.end_query(torch.cat([state, label, _gather(words, start)], -1))
        length = self.len_emb((positions - start[..., None] + 1).clamp(0, self.config.rel_clip + 1))
        return ((keys + length) @ q[..., None])[..., 0]

    def class_scores(self, g, role, span, lexical):
        """(..., K): the grounding class of an argument span; `lexical` (..., C) is the span's mean encoder vector."""
        return self.class_head(torch.cat([g, self.role_emb(role), span, torch.tanh(self.lexical(lexical))], -1))

    @staticmethod
    def span_mean(raw: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
        """Mean of (..., L, C) vectors over the words flagged in (..., S, L) `inside` -> (..., S, C)."""
        inside = inside.float()
        return (inside @ raw) / inside.sum(-1, keepdim=True).clamp(min=1)

    @staticmethod
    def covered(start: torch.Tensor, end: torch.Tensor, length: int) -> torch.Tensor:
        """(..., L) flags of the words inside the span start..end."""
        positions = torch.arange(length)
        return (positions >= start[..., None]) & (positions <= end[..., None])

    def attribute_scores(self, g, words, span):
        """(..., L, A + 1): which attribute each word marks for this argument, or none. `words` (..., L, H) may
        broadcast over the arguments' axes ((N, 1, L, H) for (N, S) arguments). The head's first layer, over
        [word, argument state, span], is applied as its three blocks: per word and per argument, then summed,
        rather than on a concatenation copied for every (argument, word) pair."""
        first = self.attr_head[0]
        on_word, on_state, on_span = first.weight.split([words.shape[-1], g.shape[-1], span.shape[-1]], 1)
        per_argument = g @ on_state.T + span @ on_span.T + first.bias                     # (..., H')
        return self.attr_head[1:](words @ on_word.T + per_argument[..., None, :])

    # ---- state transitions ---------------------------------------------------------------------------------
    def outer_init(self, words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mean = words.sum(-2) / lengths[..., None].clamp(min=1)
        return torch.tanh(self.init_outer(mean))

    def outer_input(self, task_type, trigger_span):
        return torch.cat([self.type_emb(task_type), trigger_span], -1)

    def inner_init(self, h, task_type, trigger_span):
        return torch.tanh(self.init_inner(torch.cat([h, self.type_emb(task_type), trigger_span], -1)))

    def inner_input(self, role, span, cls):
        return torch.cat([self.role_emb(role), span, self.class_emb(cls)], -1)

    def advance(self, gru: nn.GRU, state: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Run `gru` from (N, H) `state` over (N, S, I) inputs; (N, S, H) states after each input."""
        out, _ = gru(self.drop(inputs), state[None].contiguous())
        return out

    def states_before(self, gru: nn.GRU, state: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """(N, S, H): the state before each of the (N, S, I) inputs, from (N, H) `state` (the last input is not
        run: nothing follows it)."""
        if torch.jit.is_tracing():  # exported: the last step run and dropped, one graph for every length
            return torch.cat([state[:, None], self.advance(gru, state, inputs)[:, :-1]], 1)
        if inputs.shape[1] == 1:
            return state[:, None]
        return torch.cat([state[:, None], self.advance(gru, state, inputs[:, :-1])], 1)

    # ---- every decision of whole sequences at once: training, and verification of drafts --------------------
    def loss(self, vectors: torch.Tensor, lengths: torch.Tensor, batch: dict) -> torch.Tensor:
        """Mean cross-entropy of every gold decision of a padded batch (see `decoding.batching`)."""
        words, keys = self.contextualise(vectors, lengths)
        mask = torch.arange(words.shape[1])[None] < lengths[:, None]          # (B, L)
        s = self.teacher_forced(words, keys, vectors, mask, lengths, batch)
        b = batch
        has_task = b["t_valid"] & (b["types"] != self.stop_id)
        has_arg = b["a_valid"] & (b["roles"] != self.end_id)
        attr_valid = has_arg[..., None] & mask[b["task_sentence"]][:, None]
        losses = [_ce(s["type"], b["types"], b["t_valid"]), _ce(s["t_start"], b["t_start"], has_task),
                  _ce(s["t_end"], b["t_end"], has_task), _ce(s["role"], b["roles"], b["a_valid"]),
                  _ce(s["a_start"], b["a_start"], has_arg), _ce(s["a_end"], b["a_end"], has_arg),
                  _ce(s["class"], b["classes"], has_arg), 0.5 * _ce(s["attributes"], b["attr_tags"], attr_valid),
                  0.5 * _ce(self.trigger_tagger(words), b["trigger_tags"], mask)]
        return sum(losses) / len(losses)

    def pass_scores(self, words, keys, raw, mask, lengths, b: dict, marks: bool = True) -> dict:
        """The teacher-forced pass as decoding reads it (in ONNX Runtime when `runtime` is set): `PASS_SCORES`,
        `outer` (B, K+1, H) the outer state before each task and `inner` (N, J+1, H) the inner state before each
        argument; `b` holds at least `PASS_DECISIONS` and `mask` (B, L) marks the real words. `marks=False`: the
        attribute scores are not needed (torch then leaves them out; the exported pass has them anyway)."""
        if self.runtime is not None and not self.training:
            return self.runtime.pass_scores(words, keys, raw, mask, lengths, b)
        return self.torch_pass_scores(words, keys, raw, mask, lengths, b, marks)

    def torch_pass_scores(self, words, keys, raw, mask, lengths, b: dict, marks: bool = True) -> dict:
        """`pass_scores` in torch (what `decoding.onnx_runtime` exports)."""
        s = self.teacher_forced(words, keys, raw, mask, lengths, b, attributes=marks)
        return {**{k: s[k] for k in PASS_SCORES if k in s}, "outer": s["outer_states"],
                "inner": s["attribute_inputs"][0]}

    def teacher_forced(self, words, keys, raw, mask, lengths, b: dict, attributes: bool = True) -> dict:
        """The scores of every decision of the given decision sequences (padded as `decoding.batching` does),
        each taken after the sequence's own earlier decisions: type, t_start, t_end (B, K+1, ...), role,
        a_start, a_end, class (N tasks, J+1, ...), and attributes (N, J+1, L, A+1) unless `attributes` is
        False; `attribute_inputs` then holds what `attribute_scores` needs to compute them later (its first item
        holds the inner state before each argument) and `outer_states` (B, K+1, H) the outer state before each task.
        `mask` (B, L) marks the real words; None when no sentence is padded (a single instruction)."""
        positions = torch.arange(words.shape[1])
        out, outer_states, trig = self._outer_scores(words, keys, mask, positions, lengths, b)
        out |= self._inner_scores(words, keys, raw, mask, positions, b, outer_states, trig)
        if attributes:
            out["attributes"] = self.attribute_scores(*out["attribute_inputs"])  # (N, J+1, L, A+1)
        return out

    def _outer_scores(self, words, keys, mask, positions, lengths, b):
        types, t_start, t_end = b["types"], b["t_start"], b["t_end"]  # (B, K+1)
        per_task = words[:, None]                                      # (B, 1, L, H): broadcast over the tasks
        trig = self.span_vector(per_task, t_start, t_end)  # (B, K+1, H)
        h0 = self.outer_init(words, lengths)
        states = self.states_before(self.outer, h0, self.outer_input(types, trig))  # (B, K+1, H)
        label = self.type_emb(types)
        anchor, used = b["t_anchor"], b["t_used"]
        k, mk = keys[:, None], None if mask is None else mask[:, None]  # broadcast over the tasks
        return ({"outer_states": states, "type": self.type_scores(states, words, mask),
                 "t_start": self._masked(self.start_scores(states, label, k, positions, anchor, used), mk),
                 "t_end": self._masked(self.end_scores(states, label, per_task, k, positions, t_start), mk)},
                states, trig)

    def _inner_scores(self, words, keys, raw, mask, positions, b, outer_states, trigger_vectors):
        task_of, sent_of = b["task_index"], b["task_sentence"]                 # (N,) flat task -> (B, K) slot
        w, k = words[sent_of], keys[sent_of]                                    # (N, L, H)
        m = None if mask is None else mask[sent_of]
        h = outer_states[sent_of, task_of]
        trig = trigger_vectors[sent_of, task_of]
        ttype = b["types"][sent_of, task_of]
        roles, a_start, a_end, cls = b["roles"], b["a_start"], b["a_end"], b["classes"]
        per_arg = w[:, None]                                      # (N, 1, L, H): broadcast over the arguments
        span = self.span_vector(per_arg, a_start, a_end)  # (N, J+1, H)
        g0 = self.inner_init(h, ttype, trig)
        states = self.states_before(self.inner, g0, self.inner_input(roles, span, cls))  # (N, J+1, H)
        label = self.role_emb(roles)
        anchor = b["t_start"][sent_of, task_of][:, None]
        k, mk = k[:, None], None if m is None else m[:, None]  # broadcast over the arguments
        return {"role": self.role_scores(states, w, m),
                "a_start": self._masked(self.start_scores(states, label, k, positions, anchor), mk),
                "a_end": self._masked(self.end_scores(states, label, per_arg, k, positions, a_start), mk),
                "class": self.class_scores(states, roles, span, self.span_mean(raw[sent_of], b["a_inside"])),
                "attribute_inputs": (states, per_arg, span)}

    @staticmethod
    def _masked(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return scores if mask is None else scores.masked_fill(~mask, -1e9)


def _ce(logits: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the `valid` positions."""
    if not valid.any():
        return logits.sum() * 0.0
    return F.cross_entropy(logits[valid], target[valid])
