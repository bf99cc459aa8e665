import json
import shutil

import pytest
import torch

from agent.defaults import default_model_dir
from decoding.checkpoint import CONFIG, checkpoint_weights, load_checkpoint, save_checkpoint
from decoding.errors import ModelError


@pytest.fixture()
def checkpoint_copy(tmp_path):
    folder = tmp_path / "ckpt"
    shutil.copytree(default_model_dir(), folder)
    return folder


def test_shipped_checkpoint_is_small_and_checksummed():
    folder = default_model_dir()
    meta = json.loads((folder / CONFIG).read_text())
    assert checkpoint_weights(folder, meta).stat().st_size <= 30 * 1024 * 1024
    assert len(meta["weights_sha256"]) == 64
    assert meta["dev"]["epoch"] >= 1  # selected on dev, recorded in the config


def test_save_then_load_gives_the_same_parses(shipped_parser, tmp_path):
    save_checkpoint(shipped_parser.model, tmp_path / "again")
    model, _ = load_checkpoint(tmp_path / "again")
    from decoding.decoders import GreedyDecoder
    from decoding.parser import TaskParser

    text = "pick up the box from the couch and put it on the table"
    again = TaskParser(model, GreedyDecoder(), calibration=shipped_parser.calibration)
    assert again.parse(text) == shipped_parser.parse(text)


def test_a_save_stopped_before_its_config_leaves_the_previous_checkpoint_whole(shipped_parser, tmp_path,
                                                                              monkeypatch):
    import copy

    import decoding.checkpoint as checkpoint

    model = copy.deepcopy(shipped_parser.model)
    folder = save_checkpoint(model, tmp_path / "ckpt", {"epoch": 1})
    with torch.no_grad():
        next(model.parameters()).add_(0.5)  # another epoch's weights
    monkeypatch.setattr(checkpoint, "write_atomic", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):  # the process dies between the weights and the config
        save_checkpoint(model, folder, {"epoch": 2})
    assert load_checkpoint(folder)[1]["epoch"] == 1
    monkeypatch.undo()
    save_checkpoint(model, folder, {"epoch": 2})
    meta = load_checkpoint(folder)[1]
    assert meta["epoch"] == 2 and sorted(p.name for p in folder.iterdir()) == sorted([CONFIG, meta["weights"]])


def test_a_save_removes_only_the_weights_its_checkpoint_named_before(shipped_parser, tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    strays = {"model-best.safetensors": b"a user's file", "notes.txt": b"notes"}
    for name, data in strays.items():
        (folder / name).write_bytes(data)
    first = json.loads((save_checkpoint(shipped_parser.model, folder) / CONFIG).read_text())["weights"]
    save_checkpoint(shipped_parser.model, folder, {"again": True})
    assert sorted(p.name for p in folder.iterdir()) == sorted([*strays, CONFIG, first])
    assert all((folder / name).read_bytes() == data for name, data in strays.items())


def test_corrupt_weights_are_refused_naming_the_file(checkpoint_copy):
    weights = checkpoint_weights(checkpoint_copy, json.loads((checkpoint_copy / CONFIG).read_text()))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=rf"{weights.name}: sha256 does not match"):
        load_checkpoint(checkpoint_copy)


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.update(format=99), "not a tage extractor checkpoint"),
    (lambda meta: meta["config"].update(hidden=128), "do not match the architecture"),
    (lambda meta: meta["config"].update(bogus=1), "does not describe an extractor"),
])
def test_mismatched_config_is_refused(checkpoint_copy, edit, message):
    path = checkpoint_copy / CONFIG
    meta = json.loads(path.read_text())
    edit(meta)
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=message):
        load_checkpoint(checkpoint_copy)


def test_missing_or_non_json_config(tmp_path):
    with pytest.raises(ModelError, match="cannot read checkpoint config"):
        load_checkpoint(tmp_path)
    (tmp_path / CONFIG).write_text("{not json")
    with pytest.raises(ModelError, match="not JSON"):
        load_checkpoint(tmp_path)
