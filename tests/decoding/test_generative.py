import json
import random
from pathlib import Path

import pytest
import torch

from decoding.errors import ModelError
from decoding.files import read_parses
from decoding.generative import (
    Bounds,
    ConstrainedDecoder,
    GenerativeConfig,
    Labels,
    SpeculativeDecoder,
    from_json,
    load_generative,
    save_generative,
    template_of,
    to_json,
    train_generative,
)
from decoding.metrics import canonical

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT, LABELS = ROOT / "data" / "models" / "generative", ROOT / "data" / "tage" / "raw" / "labels"


@pytest.fixture(scope="module")
def dev_split():
    return read_parses(ROOT / "data" / "tage" / "dev.jsonl")


@pytest.fixture(scope="module")
def shipped():
    torch.set_num_threads(1)
    return load_generative(CHECKPOINT)


def _empty(parse):
    return parse.model_copy(update={"tasks": ()})


def test_round_trip_parse_json_parse(dev_split):
    for gold in dev_split:
        parse, valid, dropped = from_json(to_json(gold), _empty(gold))
        assert (valid, dropped) == (True, 0)
        assert canonical(parse) == canonical(gold)
        assert to_json(parse) == to_json(gold)


def test_json_back_to_parse_drops_spans_not_in_the_instruction():
    text = '[{"type":"Picking","trigger":"pick","arguments":[{"role":"Theme","text":"Red cup","class":"cup"},' \
           '{"role":"Source","text":"shelf","class":"shelf"}]},{"type":"Motion","trigger":"fly","arguments":[]}]'
    parse, valid, dropped = from_json(text, template_of("pick the red cup from the table"))
    assert (valid, dropped) == (False, 2)
    assert [(t.type, t.trigger.start) for t in parse.tasks] == [("Picking", 0)]
    assert [(a.role, a.span.start, a.span.end, a.span.text) for a in parse.tasks[0].arguments] == \
           [("Theme", 2, 3, "red cup")]


@pytest.mark.parametrize("text", ["", "[", "{}", '[{"type":"Picking"}]', "null"])
def test_text_not_of_the_format_gives_an_empty_invalid_parse(text):
    parse, valid, _ = from_json(text, template_of("pick the cup"))
    assert parse.tasks == () and not valid


def test_the_index_accepts_every_gold_target_of_dev(shipped, dev_split):
    index, tokenizer = shipped.index, shipped.tokenizer
    rejected = [g.instruction for g in dev_split if not index.accepts(tokenizer(to_json(g))["input_ids"])]
    assert rejected == []


def test_the_index_rejects_what_is_not_the_format(shipped):
    tokenizer, index = shipped.tokenizer, shipped.index
    for text in ('[{"type":"Flying","trigger":"fly","arguments":[]}]', '[{"type":"Motion","trigger":"go"}]',
                 '[{"type":"Motion","trigger":"","arguments":[]}]', '[{"type":"Motion"'):
        assert not index.accepts(tokenizer(text)["input_ids"]), text


@pytest.mark.parametrize("spans", [False, True])
def test_speculative_equals_constrained_on_test_instructions(shipped, spans):
    constrained, speculative = ConstrainedDecoder(shipped, spans), SpeculativeDecoder(shipped, spans)
    gold = read_parses(ROOT / "data" / "tage" / "test.jsonl")[:30]
    b = [constrained(g.instruction, _empty(g)) for g in gold]
    c = [speculative(g.instruction, _empty(g)) for g in gold]
    assert [i for i, (x, y) in enumerate(zip(b, c, strict=True)) if x.tokens != y.tokens] == []
    assert sum(x.calls for x in c) < sum(x.calls for x in b)


def _fuzzed(n: int, seed: int = 0) -> list[str]:
    words = "pick put go turn the a cup table it me left and then to from red kitchen ??? 3 é über x {\"".split()
    rng = random.Random(seed)
    out = ["", " ", "and and and", "the the the the", "go " * 120]
    while len(out) < n:
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))))
    return out


@pytest.mark.parametrize("instruction", _fuzzed(10))
def test_outputs_are_always_of_the_format(shipped, instruction):
    for decoder in (ConstrainedDecoder(shipped), SpeculativeDecoder(shipped), ConstrainedDecoder(shipped, True),
                    SpeculativeDecoder(shipped, True)):
        out = decoder(instruction)
        assert shipped.index.accepts(out.tokens), out.text
        assert isinstance(json.loads(out.text), list)
        assert len(out.tokens) <= shipped.bounds.max_new_tokens


def test_spans_mode_writes_only_spans_of_the_instruction(shipped):
    decoder = ConstrainedDecoder(shipped, spans=True)
    for g in read_parses(ROOT / "data" / "tage" / "test.jsonl")[:15]:
        out = decoder(g.instruction, _empty(g))
        assert out.valid and out.dropped == 0, out.text


def test_training_is_deterministic_for_a_seed(dev_split, tmp_path):
    tiny = lambda: GenerativeConfig(d_model=32, layers=1, heads=2, ffn=64, bounds=Bounds(max_new_tokens=60))
    runs = [train_generative(dev_split[:24], dev_split[24:32], Labels.read(LABELS), tmp_path / str(i), seed=3,
                             epochs=1, log=lambda _: None, batch_size=8, config=tiny())
            for i in range(2)]
    first, second = (gm.model.state_dict() for gm, _ in runs)
    assert all(bool((first[k] == second[k]).all()) for k in first)
    meta = json.loads((tmp_path / "0" / "generative.json").read_text())
    assert (tmp_path / "0" / meta["weights"] / "model.safetensors").is_file()
    loaded = load_generative(tmp_path / "0")
    assert loaded.config.d_model == 32 and loaded.bounds.max_new_tokens == 60


def test_a_save_stopped_before_its_metadata_leaves_the_previous_checkpoint_whole(dev_split, tmp_path,
                                                                                 monkeypatch):
    import decoding.generative.model as generative

    tiny = GenerativeConfig(d_model=32, layers=1, heads=2, ffn=64, bounds=Bounds(max_new_tokens=60))
    gm, _ = train_generative(dev_split[:8], dev_split[8:12], Labels.read(LABELS), tmp_path / "run", seed=3,
                             epochs=1, log=lambda _: None, batch_size=8, config=tiny)
    folder = save_generative(gm, tmp_path / "ckpt", {"epoch": 1})
    with torch.no_grad():
        next(gm.model.parameters()).add_(0.5)  # another epoch's weights
    monkeypatch.setattr(generative, "write_atomic", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):  # the process dies between the weights and the metadata
        save_generative(gm, folder, {"epoch": 2})
    assert json.loads((folder / "generative.json").read_text())["epoch"] == 1
    load_generative(folder)
    monkeypatch.undo()
    save_generative(gm, folder, {"epoch": 2})
    meta = json.loads((folder / "generative.json").read_text())
    assert meta["epoch"] == 2 and sorted(p.name for p in folder.iterdir()) == sorted(["generative.json",
                                                                                     meta["weights"]])
    load_generative(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.update(format=1), r"older tage \(format 1.*retrain with `tage train --model generative`"),
    (lambda meta: meta.pop("weights_sha256"), r"generative.json has no 'weights_sha256'"),
    (lambda meta: meta.update(weights="../elsewhere"), r"'weights' must name a weights-<16 hex digits> subfolder"),
    (lambda meta: meta.update(weights_sha256="0" * 64), r"sha256 does not match generative.json"),
])
def test_a_bad_generative_checkpoint_is_refused_saying_what_is_wrong(tmp_path, edit, message):
    import shutil

    folder = shutil.copytree(CHECKPOINT, tmp_path / "ckpt")
    meta = json.loads((folder / "generative.json").read_text())
    edit(meta)
    (folder / "generative.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=f"{folder}: not a generative checkpoint \\(.*{message}"):
        load_generative(folder)


def test_a_save_removes_only_the_weights_its_metadata_named_before(dev_split, tmp_path):
    tiny = GenerativeConfig(d_model=32, layers=1, heads=2, ffn=64, bounds=Bounds(max_new_tokens=60))
    gm, _ = train_generative(dev_split[:8], dev_split[8:12], Labels.read(LABELS), tmp_path / "run", seed=3,
                             epochs=1, log=lambda _: None, batch_size=8, config=tiny)
    folder = tmp_path / "ckpt"
    (folder / "weights-backup").mkdir(parents=True)
    (folder / "notes.txt").write_text("notes")
    first = json.loads((save_generative(gm, folder) / "generative.json").read_text())["weights"]
    with torch.no_grad():
        next(gm.model.parameters()).add_(0.5)
    second = json.loads((save_generative(gm, folder) / "generative.json").read_text())["weights"]
    assert first != second
    assert sorted(p.name for p in folder.iterdir()) == sorted(["weights-backup", "notes.txt", "generative.json",
                                                               second])
