"""The extractor in ONNX Runtime gives the torch path's parses; its cached exports are checked, rebuilt if damaged."""

import warnings
from pathlib import Path

import pytest
import torch

from agent.parsers import make_parser
from decoding.errors import ModelError
from decoding.files import read_parses
from decoding.parser import Words

pytest.importorskip("onnxruntime")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def parsers():
    return {name: make_parser("hybrid", runtime=name) for name in ("torch", "onnx", "onnx-int8")}


def test_onnx_and_torch_parse_the_test_split_alike(parsers):
    items = [Words.of_parse(p) for p in read_parses(ROOT / "data" / "tage" / "test.jsonl")[:120]]
    torch_parses, onnx_parses = (parsers[name].parse_many(items) for name in ("torch", "onnx"))
    strip = lambda parses: [[(t.type, t.trigger, [(a.role, a.span, a.grounding, a.attributes) for a in t.arguments])
                             for t in p.tasks] for p in parses]
    assert strip(onnx_parses) == strip(torch_parses)   # attribute marks too: the pass gives the accepted ones
    assert parsers["onnx"].model.runtime is not None and parsers["torch"].model.runtime is None


def test_the_export_is_cached_and_a_damaged_cache_is_exported_again(tmp_path):
    from agent.defaults import default_model_dir
    from decoding.onnx_runtime import load_onnx_checkpoint

    first, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)
    (cached,) = tmp_path.glob("encoder-*.onnx")
    data = cached.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_onnx_checkpoint(default_model_dir(), tmp_path)[0].encoder.embeddings is None  # cache, silently
    cached.write_bytes(data[: len(data) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)
    assert [str(w.message) for w in caught] == [f"{cached}: cached ONNX graph is damaged; exporting it again"]
    assert caught[0].filename == __file__  # the warning names the caller, not the thread that read the file
    sentences = [["open", "the", "fridge"]]
    assert (first.encode(sentences)[0].words - again.encode(sentences)[0].words).abs().max() < 1e-5
    assert cached.read_bytes() == data


def test_a_cached_file_onnx_runtime_cannot_load_is_exported_again(tmp_path):
    import hashlib
    import json

    from agent.defaults import default_model_dir
    from decoding.onnx_runtime import load_onnx_checkpoint

    load_onnx_checkpoint(default_model_dir(), tmp_path)
    (cached,) = tmp_path.glob("encoder-*.onnx")
    junk = b"not a model, with its checksum right"
    cached.write_bytes(junk)
    cached.with_suffix(".json").write_text(json.dumps({"sha256": hashlib.sha256(junk).hexdigest()}))
    with pytest.warns(UserWarning, match="is not loadable .*; exporting it again"):
        model, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)
    assert model.runtime is not None and cached.read_bytes() != junk


def test_the_callers_loading_runs_while_the_cached_session_is_built(tmp_path, monkeypatch):
    import threading

    from agent.defaults import default_model_dir
    from decoding.onnx_runtime import OnnxGraph, load_onnx_checkpoint

    load_onnx_checkpoint(default_model_dir(), tmp_path)  # exports into the cache
    meanwhile_ran, read = threading.Event(), OnnxGraph.read

    def read_once_meanwhile_ran(path):  # run one after the other, this would wait out its 30 s and fail
        assert meanwhile_ran.wait(30), f"{path.name} was not read while the caller's loading ran"
        return read(path)

    monkeypatch.setattr(OnnxGraph, "read", read_once_meanwhile_ran)
    model, _ = load_onnx_checkpoint(default_model_dir(), tmp_path, meanwhile=meanwhile_ran.set)
    assert model.runtime is not None and model.encoder.embeddings is None
    assert not [t for t in threading.enumerate() if t.name.startswith("tage-onnx")]  # joined before returning


def test_the_int8_runtime_scores_as_the_float_one_on_most_parses(parsers):
    """int8 is an opt-in trade (`benchmarks/onnx_parity.py` measures it on the whole test split): its parses
    score about the same, but some change."""
    from decoding.metrics import score

    gold = read_parses(ROOT / "data" / "tage" / "test.jsonl")[:120]
    items = [Words.of_parse(p) for p in gold]
    floats, int8 = parsers["onnx"].parse_many(items), parsers["onnx-int8"].parse_many(items)
    strip = lambda p: [(t.type, t.trigger, [(a.role, a.span, a.grounding) for a in t.arguments]) for t in p.tasks]
    assert sum(strip(a) == strip(b) for a, b in zip(floats, int8, strict=True)) >= 0.85 * len(items)
    assert abs(score(gold, int8).arguments.f1 - score(gold, floats).arguments.f1) < 0.02


def test_the_int8_export_is_cached_apart_smaller_and_leaves_logging_alone(tmp_path):
    import logging

    from agent.defaults import default_model_dir
    from decoding.onnx_runtime import load_onnx_checkpoint

    load_onnx_checkpoint(default_model_dir(), tmp_path)
    root = logging.getLogger()
    handlers, filters = list(root.handlers), list(root.filters)
    model, _ = load_onnx_checkpoint(default_model_dir(), tmp_path, int8=True)
    assert (root.handlers, root.filters) == (handlers, filters)  # the quantizer's logging left no handler behind
    (floats,), (int8,) = tmp_path.glob("encoder-[0-9a-f]*.onnx"), tmp_path.glob("encoder-int8-*.onnx")
    assert int8.stat().st_size < 0.7 * floats.stat().st_size  # the layers' weights in int8, embeddings float
    again, _ = load_onnx_checkpoint(default_model_dir(), tmp_path, int8=True)  # from the cache
    assert again.encoder.embeddings is None
    sentences = [["put", "the", "red", "mug", "on", "the", "table"]]
    assert (model.encode(sentences)[0].words - again.encode(sentences)[0].words).abs().max() < 1e-5


def test_an_unknown_runtime_is_refused():
    with pytest.raises(ModelError, match="unknown runtime 'gpu'"):
        make_parser("hybrid", runtime="gpu")


def test_a_cached_export_loads_without_building_the_torch_transformer(parsers, tmp_path):
    from agent.defaults import default_model_dir
    from decoding.onnx_runtime import load_onnx_checkpoint

    first, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)      # exports, from the torch transformer
    second, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)     # from the cache alone
    assert first.encoder.embeddings is not None and second.encoder.embeddings is None
    sentences = [["put", "the", "red", "mug", "on", "the", "table"], ["open", "the", "fridge"]]
    a, b = first.encode(sentences), second.encode(sentences)
    assert all((x.words - y.words).abs().max() < 1e-5 for x, y in zip(a, b, strict=True))
    second.runtime = None
    with pytest.raises(ModelError, match="ONNX runtime only"):
        second.encode(sentences)


def test_the_encoding_and_the_pass_give_the_torch_paths_tensors_on_a_padded_batch(parsers):
    from decoding.lockstep import Batch

    torch_model, onnx_model = parsers["torch"].model, parsers["onnx"].model
    items = [Words.of_parse(p) for p in read_parses(ROOT / "data" / "tage" / "test.jsonl")[:8]]
    sentences = [list(w.tokens) for w in items]
    assert len({len(s) for s in sentences}) > 2  # padded: the backward GRU must start at each sentence's end
    ours, theirs = onnx_model.encode(sentences), torch_model.encode(sentences)
    for a, b in zip(ours, theirs, strict=True):
        for key in ("raw", "words", "keys"):
            assert (getattr(a, key) - getattr(b, key)).abs().max() < 1e-4, key
    for enc, hint in zip(theirs, parsers["onnx"].drafter.parse_many(items), strict=True):
        enc.hint = hint
    drafts = {i: parsers["onnx"].decoder.draft(onnx_model, enc) for i, enc in enumerate(theirs)}
    rows = [i for i, d in drafts.items() if d]   # the rules' parses as decision sequences, as a hybrid verifies them
    got, want = (Batch(model, theirs).scored(rows, [drafts[i] for i in rows], marks=True)[0]
                 for model in (onnx_model, torch_model))
    assert set(got) == set(want)
    for key in want:
        assert got[key].shape == want[key].shape, key
        assert torch.allclose(got[key], want[key], rtol=1e-4, atol=1e-3), key


def test_a_damaged_pass_is_exported_again_without_the_transformer(tmp_path):
    from agent.defaults import default_model_dir
    from decoding.onnx_runtime import load_onnx_checkpoint

    load_onnx_checkpoint(default_model_dir(), tmp_path)
    (scoring,) = tmp_path.glob("pass-*.onnx")
    scoring.write_bytes(scoring.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="pass-.*: cached ONNX graph is damaged; exporting it again"):
        model, _ = load_onnx_checkpoint(default_model_dir(), tmp_path)
    assert model.runtime is not None and model.encoder.embeddings is None   # the encoding came from the cache
    assert len(scoring.read_bytes()) > 1000


def test_both_graphs_come_from_the_cache_on_a_second_load(tmp_path, monkeypatch):
    import decoding.onnx_runtime as runtime
    from agent.defaults import default_model_dir
    from decoding.model import PASS_SCORES

    runtime.load_onnx_checkpoint(default_model_dir(), tmp_path)
    assert [name.removeprefix("scores_") for name in runtime._PASS_OUT] == list(PASS_SCORES)

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although cached")

    monkeypatch.setattr(runtime, "_exported", no_export)
    model, _ = runtime.load_onnx_checkpoint(default_model_dir(), tmp_path)
    assert model.runtime is not None and model.encoder.embeddings is None


@pytest.mark.parametrize("sentences, tasks", [
    ([["stop"]], [[(0, 0, 0, [])]]),                                              # one word, a task of no arguments
    ([["open", "the", "fridge"], ["close", "the", "door"]], [[(1, 0, 0, [(0, 1, 2)])], [(2, 0, 0, [(0, 2, 2)])]]),
    ([["take"] * 30], [[(k % 5, k, k, [(j % 3, (k + j) % 30, (k + j) % 30) for j in range(8)]) for k in range(12)]]),
])
def test_the_pass_gives_torchs_scores_at_the_shapes_and_limits(parsers, sentences, tasks):
    """One word, rows of one length, a task without arguments, and max_tasks x max_arguments (12 x 8)."""
    from decoding.decoders import DecodedArgument, DecodedTask
    from decoding.lockstep import Batch

    torch_model, onnx_model = parsers["torch"].model, parsers["onnx"].model
    assert (torch_model.config.max_tasks, torch_model.config.max_arguments) == (12, 8)
    with torch.inference_mode():
        encoded = torch_model.encode(sentences)
        sequences = [[DecodedTask(t, s, e, [DecodedArgument(r, a, b, 0) for r, a, b in args]) for t, s, e, args in row]
                     for row in tasks]
        rows = list(range(len(sentences)))
        got, want = (Batch(model, encoded).scored(rows, sequences, marks=True)[0]
                     for model in (onnx_model, torch_model))
    for key in want:
        assert got[key].shape == want[key].shape, key
        assert torch.allclose(got[key], want[key], rtol=1e-4, atol=1e-3), key
