"""Open-vocabulary naming: the lexicon first, then the nearest terms by embedding; close scores ask; the scene's
term vectors built once; one batch per parse; the shipped settings; the real encoder on the issue's words."""

import numpy as np
import pytest

from grounding import GroundingError, SceneGraph, ground_parse
from grounding.embed import Embedder
from grounding.vocabulary import OpenVocabulary, VocabularySettings, default_settings_path

from .conftest import parse_of, write_yaml

# a toy meaning space: each word is a direction; near-synonyms share most of one
SPACE = {"computer": [1, 0, 0, 0], "laptop": [0.9, 0.1, 0, 0], "bed": [0, 1, 0, 0], "cot": [0, 0.95, 0.05, 0],
         "glass": [0, 0, 1, 0], "cup": [0, 0, 0.96, 0.04], "goblet": [0, 0, 0.7, 0.7], "banana": [0, 0, 0, 1]}


class ToyEmbedder(Embedder):
    def __init__(self):
        super().__init__()
        self.batches = []

    def _forward(self, phrases):
        self.batches.append(list(phrases))
        vectors = np.array([SPACE.get(p, [0.5, 0.5, 0.5, 0.5]) for p in phrases], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


SCENE = {"objects": [{"id": "pc_1", "class": "computer"}, {"id": "bed_1", "class": "bed"},
                     {"id": "glass_1", "class": "glass"}, {"id": "cup_1", "class": "cup"}]}


@pytest.fixture
def vocabulary():
    return OpenVocabulary(ToyEmbedder(), threshold=0.6, margin=0.05)


@pytest.mark.parametrize("word, nodes", [
    ("laptop", ("pc_1",)), ("cot", ("bed_1",)), ("banana", ()),
    ("goblet", ("glass_1", "cup_1")),        # 0.71 and 0.73: too close to choose
])
def test_nearest(vocabulary, word, nodes):
    found, score = vocabulary.nearest(SceneGraph.from_dict(SCENE), word, ("object",))
    assert set(found) == set(nodes) and (score >= 0.6 if nodes else score == 0.0)


def test_terms_embedded_once_per_scene_and_phrases_once_per_parse(vocabulary, library):
    scene = SceneGraph.from_dict(SCENE | {"objects": SCENE["objects"] + [
        {"id": "m", "class": "cup", "name": "mug", "affordances": ["pickable"]}]})
    parse = parse_of("pick the laptop and the cot", "0 0 Picking ; 2 2 Theme ; 5 5 Source",
                     "picking : pick , theme : laptop :unk , source : cot :unk")
    for _ in range(3):
        result = ground_parse(parse, scene, library, vocabulary=vocabulary)
    assert [b.node for b in result.tasks[0].bindings] == [None, "bed_1"]   # a computer is not pickable
    assert result.errors[0].code == "affordance_violation"
    batches = vocabulary.embedder.batches
    assert len(batches) == 2 and set(batches[0]) == {"laptop", "cot"}      # the parse's words, then the terms


def test_the_lexicon_decides_first(vocabulary, library, scene):
    parse = parse_of("pick up the mug", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    result = ground_parse(parse, scene, library, vocabulary=vocabulary)
    assert result.tasks[0].bindings[0].candidates == ("mug_1", "mug_2") and not vocabulary.embedder.batches


def test_close_scores_become_a_clarification(vocabulary, library):
    scene = SceneGraph.from_dict({"objects": [{"id": "glass_1", "class": "glass", "affordances": ["pickable"]},
                                              {"id": "cup_1", "class": "cup", "affordances": ["pickable"]}]})
    parse = parse_of("pick up the goblet", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : goblet :unk")
    result = ground_parse(parse, scene, library, vocabulary=vocabulary)
    assert set(result.clarifications[0].candidates) == {"glass_1", "cup_1"}


def test_settings(tmp_path):
    shipped = VocabularySettings.load(default_settings_path())
    assert 0 < shipped.threshold < 1 and "dev" in shipped.chosen_on
    path = write_yaml(tmp_path / "ov.yaml", {"threshold": 2, "margin": 0.1})
    with pytest.raises(GroundingError, match=r"ov\.yaml:1: open-vocabulary field threshold"):
        VocabularySettings.load(path)
    with pytest.raises(ValueError, match="unknown open-vocabulary mode"):
        OpenVocabulary(ToyEmbedder(), 0.5, 0.1, mode="lexicon")


def test_minilm_names_the_issue_words():
    from grounding.embed import MiniLMEmbedder
    vocabulary = OpenVocabulary.load(MiniLMEmbedder())
    scene = SceneGraph.from_dict({"objects": [
        {"id": "pc_1", "class": "computer"}, {"id": "tv_1", "class": "tv"}, {"id": "glasses_1", "class": "glasses"},
        {"id": "bed_1", "class": "bed"}]})
    for word, node in [("laptop", "pc_1"), ("tv set", "tv_1"), ("sunglasses", "glasses_1"), ("banana", None)]:
        found, _ = vocabulary.nearest(scene, word, ("object",))
        assert found == ((node,) if node else ()), word
