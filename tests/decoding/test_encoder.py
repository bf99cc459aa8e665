"""The word pieces of `decoding.encoder` (tokenizers, no transformers import) are transformers' fast tokenizer's."""

from pathlib import Path

import pytest
import torch

from decoding.encoder import encoder_path, load_tokenizer
from decoding.errors import ModelError
from decoding.files import read_parses
from decoding.model import Extractor, ExtractorConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stock():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(encoder_path(), local_files_only=True)


@pytest.fixture(scope="module")
def encoder():
    return Extractor(ExtractorConfig(task_types=("T",), roles=("R",), classes=("c",), attributes=("a",)),
                     transformer=False).encoder


def _sentences() -> list[list[str]]:
    parses = [*read_parses(ROOT / "data" / "tage" / "test.jsonl"), *read_parses(ROOT / "data" / "ood" / "ood.jsonl")]
    odd = [["Café", "naïve", "日本語", "🙂", "x" * 300], ["ÅNGSTRÖM", "\u200b", "don't", "--", "e-mail"]]
    return [list(p.tokens) for p in parses] + odd


def test_pieces_are_the_fast_tokenizers_on_tage_test_and_ood(stock, encoder):
    sentences = _sentences()
    for k in range(0, len(sentences), 64):  # padded batches, as parse_many makes them
        batch = sentences[k : k + 64]
        ours = encoder.pieces(batch)
        theirs = stock(batch, is_split_into_words=True, return_tensors="pt", padding=True)
        assert torch.equal(ours["input_ids"], theirs["input_ids"])
        assert torch.equal(ours["mask"], theirs["attention_mask"])
        for b in range(len(batch)):
            words = sorted({w for w in theirs.word_ids(b) if w is not None})
            assert ours["pool"][b].nonzero()[:, 0].unique().tolist() == words


def test_phrases_truncated_as_the_fast_tokenizer_truncates(stock):
    phrases = ["laptop", "a very long phrase " * 20, "tv set", "日本語"]
    ours = load_tokenizer(encoder_path(), max_pieces=32).encode_batch(phrases)
    theirs = stock(phrases, padding=True, truncation=True, max_length=32)
    assert [e.ids for e in ours] == theirs["input_ids"] and [e.attention_mask for e in ours] == theirs["attention_mask"]


def test_a_damaged_tokenizer_file_is_a_model_error_naming_it(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(ModelError, match="tokenizer.json: not a tokenizer"):
        load_tokenizer(str(tmp_path))


def test_loading_the_model_from_a_warm_cache_imports_no_transformers(tmp_path):
    import os
    import subprocess
    import sys

    code = ("import sys; from agent import Agent; Agent.load(runtime='onnx').parse('take the mug'); "
            "print('transformers' in sys.modules)")
    env = {**os.environ, "TAGE_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
            for _ in range(2)]  # the first exports the ONNX encoder (through transformers), the second reuses it
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr
    assert [run.stdout.strip().splitlines()[-1] for run in runs] == ["True", "False"]
