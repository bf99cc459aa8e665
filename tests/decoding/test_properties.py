"""Every decoding backend at every limit of the model (tasks, arguments per task, words), and any damaged checkpoint:
a parse inside the output grammar, or a `ModelError` naming the file; never another error."""

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.defaults import default_model_dir, default_vocabulary, load_library
from agent.parsers import backend_names, build_grammar, make_parser
from decoding.checkpoint import CONFIG, checkpoint_weights, load_checkpoint
from decoding.errors import ModelError
from tests.properties import check_parse, check_refusal, examples, mutated, within

MODEL_S = 60


@pytest.fixture(scope="module")
def parsers(shipped_parser):
    return {name: make_parser(name) for name in backend_names()}


@pytest.fixture(scope="module")
def limits(shipped_parser):
    config = shipped_parser.model.config
    return config, build_grammar(config, load_library()).spec


def _at_the_limits(config) -> dict[str, str]:
    """Instructions just under, at and over each limit of the model."""
    out = {}
    for n in (config.max_tasks - 1, config.max_tasks, config.max_tasks + 1, 2 * config.max_tasks):
        out[f"{n} tasks"] = " and ".join(["open the fridge", "take the cup", "go to the kitchen"][i % 3]
                                         for i in range(n))
    objects = ["the cup", "the plate", "the knife", "the spoon", "the fork", "the bowl", "the mug", "the glass",
               "the pan", "the pot"]
    for n in (config.max_arguments - 1, config.max_arguments, config.max_arguments + 2):
        out[f"{n} arguments"] = "put " + " , ".join(objects[:n]) + " on the table from the sink quickly"
    for n in (config.max_words - 1, config.max_words, config.max_words + 1, 3 * config.max_words):
        out[f"{n} words"] = " ".join((["pick", "up", "the", "red", "cup", "and"] * n)[:n])
    return out


@pytest.mark.parametrize("backend", backend_names())
def test_every_backend_at_every_limit_gives_a_parse_inside_the_grammar(parsers, limits, backend):
    config, spec = limits
    for name, text in _at_the_limits(config).items():
        with within(MODEL_S, f"{backend}, {name}"):
            parse = parsers[backend].parse(text)
        check_parse(parse, text, default_vocabulary(), None if backend in ("greedy", "rules") else spec,
                    config.max_words)


@given(n=st.integers(1, 40), words=st.lists(st.sampled_from(["take", "the", "cup", "and", "bring", "it", ",", "to",
                                                              "me", "then", "open", "fridge"]), min_size=1, max_size=8))
@examples(40)
def test_repeated_phrases_up_to_many_windows_stay_inside_the_grammar(parsers, limits, n, words):
    config, spec = limits
    text = " ".join(words * n)
    for backend in ("constrained", "hybrid"):
        with within(MODEL_S, text):
            check_parse(parsers[backend].parse(text), text, default_vocabulary(), spec, config.max_words)


SHIPPED_META = json.loads((default_model_dir() / CONFIG).read_text(encoding="utf-8"))
WEIGHTS = checkpoint_weights(default_model_dir(), SHIPPED_META).name


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("checkpoint")
    shutil.copy(default_model_dir() / WEIGHTS, folder / WEIGHTS)
    return folder


def _load(folder: Path) -> None:
    try:
        with within(MODEL_S, folder):
            load_checkpoint(folder)
    except Exception as err:  # noqa: BLE001 - the property: a ModelError naming the folder, or a model
        check_refusal(err, str(folder))


# The model's "config" keeps its values here: wrong-typed ones have their own test below.
@given(meta=mutated({k: v for k, v in SHIPPED_META.items() if k != "config"}, at_most=3))
@examples(40)
def test_any_checkpoint_config_loads_or_is_refused_naming_it(tmp_path_factory, checkpoint, meta):
    folder = tmp_path_factory.mktemp("config")
    (folder / WEIGHTS).symlink_to(checkpoint / WEIGHTS)
    (folder / CONFIG).write_text(json.dumps({**meta, "config": SHIPPED_META["config"]} if isinstance(meta, dict)
                                            else meta))
    _load(folder)


@pytest.mark.parametrize("field, value", [("classes", None), ("encoder_trainable_layers", None),
                                          ("max_words", "many")])
def test_a_model_config_value_of_the_wrong_type_is_refused_naming_the_file(tmp_path, checkpoint, field, value):
    (tmp_path / WEIGHTS).symlink_to(checkpoint / WEIGHTS)
    (tmp_path / CONFIG).write_text(json.dumps({**SHIPPED_META, "config": {**SHIPPED_META["config"], field: value}}))
    with pytest.raises(ModelError, match=str(tmp_path)):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize("weights", [None, 3, [WEIGHTS], "", "../" + WEIGHTS])
def test_a_checkpoint_config_whose_weights_is_no_file_name_is_refused_naming_it(tmp_path, checkpoint, weights):
    meta = json.loads((default_model_dir() / CONFIG).read_text(encoding="utf-8"))
    (tmp_path / WEIGHTS).symlink_to(checkpoint / WEIGHTS)
    (tmp_path / CONFIG).write_text(json.dumps({**meta, "weights": weights}))
    with pytest.raises(ModelError, match=str(tmp_path)):
        load_checkpoint(tmp_path)


@given(cut=st.integers(0, 19_740_099), flip=st.booleans())
@examples(15)
def test_truncated_or_altered_weights_are_refused(tmp_path_factory, checkpoint, cut, flip):
    folder = tmp_path_factory.mktemp("weights")
    data = (checkpoint / WEIGHTS).read_bytes()
    damaged = data[:cut] + bytes([data[cut] ^ 1]) + data[cut + 1:] if flip else data[:cut]
    (folder / WEIGHTS).write_bytes(damaged)
    shutil.copy(default_model_dir() / CONFIG, folder / CONFIG)
    with pytest.raises(Exception) as caught:
        load_checkpoint(folder)
    check_refusal(caught.value, str(folder))


def test_weights_of_another_shape_with_a_matching_hash_are_refused(tmp_path, checkpoint):
    import hashlib

    meta = json.loads((default_model_dir() / CONFIG).read_text(encoding="utf-8"))
    meta["config"]["hidden"] *= 2  # the file's tensors are of the shipped size
    meta["weights_sha256"] = hashlib.sha256((checkpoint / WEIGHTS).read_bytes()).hexdigest()
    shutil.copy(checkpoint / WEIGHTS, tmp_path / WEIGHTS)
    (tmp_path / CONFIG).write_text(json.dumps(meta))
    with pytest.raises(Exception) as caught:
        load_checkpoint(tmp_path)
    check_refusal(caught.value, str(tmp_path))
