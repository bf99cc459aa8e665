"""The generative baseline's tokenizer: a byte-level BPE trained here, with one token per structural segment.

Why not the MiniLM word pieces: 30.5k x 256 embeddings alone would be 15.6 MB in fp16 (over the 15 MB budget), a
30k-wide output layer costs as much as the decoder itself on CPU, and word pieces do not concatenate back to their
text ("##ing"), which stock outlines would spell wrongly. Byte-level BPE spells any input (no unknown token) and
its tokens concatenate to the decoded text; the structural segments of the format are added tokens, so training
and the constrained decoders spell the JSON between values the same single way.
"""

from __future__ import annotations

from collections.abc import Sequence

from .format import STRUCTURE

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "train_tokenizer", "wrap_tokenizer"]

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
