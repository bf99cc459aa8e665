import pytest

from decoding.confidence import Calibration, fit_platt
from decoding.files import read_parses
from decoding.metrics import correctness, expected_calibration_error
from decoding.parser import Words


def test_every_task_and_argument_has_a_probability(shipped_parser):
    parse = shipped_parser.parse("take the newspaper from the stand and put it on the coffee table")
    scores = [t.score for t in parse.tasks] + [a.score for t in parse.tasks for a in t.arguments]
    assert scores and all(0.0 <= s <= 1.0 for s in scores)


def test_shipped_scores_are_calibrated_on_the_test_split(shipped_parser):
    gold = read_parses("data/tage/test.jsonl")[:200]
    predicted = shipped_parser.parse_many([Words.of_parse(g) for g in gold])
    scores, flags = [], []
    for g, p in zip(gold, predicted, strict=True):
        _, args = correctness(g, p)
        for task, ok in zip(p.tasks, args, strict=True):
            scores += [a.score for a in task.arguments]
            flags += ok
    assert expected_calibration_error(scores, flags) < 0.1  # raw products were off by ~0.17


def test_platt_scaling_fits_a_shifted_confidence():
    raw = [0.99] * 60 + [0.6] * 40
    correct = [True] * 45 + [False] * 15 + [True] * 10 + [False] * 30
    cal = Calibration(argument=fit_platt(raw, correct))
    assert cal.apply("argument", 0.99) == pytest.approx(0.75, abs=0.01)
    assert cal.apply("argument", 0.6) == pytest.approx(0.25, abs=0.01)


def test_calibration_round_trips_through_the_checkpoint_config():
    cal = Calibration((0.5, -0.2), (0.3, -0.8))
    assert Calibration.of(cal.to_dict()) == cal and Calibration.of(None) == Calibration()


def test_a_speculative_pass_over_the_output_gives_the_confidence_a_fresh_pass_gives():
    from agent.parsers import make_parser
    from decoding.confidence import raw_scores
    from decoding.lockstep import Batch

    parser = make_parser("speculative", runtime="torch")
    items = [Words.of_parse(g) for g in read_parses("data/tage/test.jsonl")[:60]]
    batch = Batch(parser.model, parser.encode(items))
    decoded = parser.decoder.decode_batch(batch)
    known = [i for i, d in enumerate(decoded) if d.raw is not None]
    assert len(known) > 20  # drafts that pass whole carry their scores
    fresh = raw_scores(batch, [type(d)(d.tasks, d.calls) for d in decoded])
    for i in known:
        tasks, args = decoded[i].raw
        assert tasks == pytest.approx(fresh[i][0], abs=1e-5)
        assert [a for row in args for a in row] == pytest.approx([a for row in fresh[i][1] for a in row], abs=1e-5)
