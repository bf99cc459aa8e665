"""The generative baseline's tokenizer: a byte-level BPE trained here, with one token per structural segment.

Why not the MiniLM word pieces: 30.5k x 256 embeddings alone would be 15.6 MB in fp16 (over the 15 MB budget), a
30k-wide output layer costs as much as the decoder itself on CPU, and word pieces do not concatenate back to their
text ("##ing"), which stock outlines would spell wrongly. Byte-level BPE spells any input (no unknown token) and
its tokens concatenate to the decoded text; the structural segments of the format are added tokens, so training
and the constrained decoders spell the JSON between values the same single way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .format import CLASS, STRUCTURE, TEXT, TRIGGER

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "train_tokenizer", "wrap_tokenizer", "FormatTokens"]

SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")  # ids 0-3: padding, decoder start, end of output, unused
PAD, BOS, EOS = 0, 1, 2


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
    return wrap_tokenizer(tok)


def wrap_tokenizer(tok):
    """The `tokenizers.Tokenizer` `tok` as a HF fast tokenizer with this model's special tokens."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=1024)


@dataclass(frozen=True)
class FormatTokens:
    """The token ids of the format's structure and what every token spells: what the decoders read outputs by."""

    structure: frozenset[int]   # the structural segments: a value ends at the next one
    spans: frozenset[int]       # the segments a trigger or argument text follows
    text: int                   # the segment before an argument's text
    cls: int                    # the segment before an argument's class
    lower: tuple[str, ...]      # each token's text, lower case

    @classmethod
    def of(cls, tokenizer) -> FormatTokens:
        vocab = tokenizer.get_vocab()
        by_id = sorted(vocab, key=vocab.get)
        return cls(frozenset(vocab[s] for s in STRUCTURE), frozenset((vocab[TRIGGER], vocab[TEXT])), vocab[TEXT],
                   vocab[CLASS], tuple(tokenizer.convert_tokens_to_string([t]).lower() for t in by_id))

    def value_start(self, out: Sequence[int]) -> int:
        """Where the value being written in `out` starts: after its last structural token (0 if none)."""
        k = len(out)
        while k > 0 and out[k - 1] not in self.structure:
            k -= 1
        return k
