"""Tests of `decoding.metrics` on small hand-computed cases.

Each case writes its counts as (correct, predicted, gold); P = c/p, R = c/g, F1 = 2PR/(P+R).
"""

import pytest

from decoding.metrics import PRF, canonical, match_tasks, score
from decoding.parse import Argument, Attribute, Parse, TaskFrame

NEWSPAPER = "take the newspaper from the stand and put it on the coffee table"
#            0    1   2         3    4   5     6   7   8  9  10  11     12
CUPS = "pick the black cup and the brown cup"
#       0    1   2     3   4   5   6     7


def parse(text: str, *tasks: tuple) -> Parse:
    """A parse of `text` from (type, (start, end), [(role, (start, end), class), ...]) tuples."""
    base = Parse(instruction=text, tokens=tuple(text.split()))
    return base.model_copy(update={"tasks": tuple(
        TaskFrame(type=kind, trigger=base.span(*trigger),
                  arguments=tuple(Argument(role=role, span=base.span(*span), grounding=cls)
                                  for role, span, cls in args))
        for kind, trigger, args in tasks)})


TAKE = ("Picking", (0, 0), [("Theme", (2, 2), "newspaper"), ("Source", (5, 5), "unk")])
PUT = ("Placing", (7, 7), [("Theme", (2, 2), "newspaper"), ("Goal", (11, 12), "table")])
GOLD = parse(NEWSPAPER, TAKE, PUT)  # 2 tasks, 4 arguments


def counts(prf: PRF) -> tuple[int, int, int]:
    return prf.correct, prf.predicted, prf.gold


@pytest.mark.parametrize(("prf", "p", "r", "f1"), [
    (PRF(3, 4, 4), 0.75, 0.75, 0.75),
    (PRF(3, 3, 4), 1.0, 0.75, 6 / 7),     # 2 * 1 * .75 / 1.75
    (PRF(1, 2, 1), 0.5, 1.0, 2 / 3),      # 2 * .5 * 1 / 1.5
    (PRF(0, 2, 2), 0.0, 0.0, 0.0),
    (PRF(0, 0, 4), 0.0, 0.0, 0.0),        # nothing predicted: precision is 0 when there was gold
    (PRF(0, 2, 0), 0.0, 0.0, 0.0),        # nothing to find: recall is 0 when something was predicted
    (PRF(0, 0, 0), 1.0, 1.0, 1.0),        # nothing to find and nothing predicted
])
def test_prf(prf, p, r, f1):
    assert (prf.precision, prf.recall) == (p, r)
    assert prf.f1 == pytest.approx(f1)


def test_exact_match_scores_one_everywhere():
    # tasks (2, 2, 2), arguments (4, 4, 4), exact 1/1
    scores = score([GOLD], [GOLD])
    assert (counts(scores.tasks), counts(scores.arguments), counts(scores.arguments_grounded)) == (
        (2, 2, 2), (4, 4, 4), (4, 4, 4))
    assert scores.exact_match == 1.0
    assert all(v == 1.0 for k, v in scores.as_dict().items() if k != "n")


@pytest.mark.parametrize(("name", "predicted", "args", "grounded", "exact"), [
    # Right role, wrong span: Picking's Theme is "the newspaper" (1-2), not "newspaper".
    # correct = Source + Placing's two = 3 of 4 predicted, 4 gold -> P = R = F1 = 0.75, with or without class.
    ("role right, span wrong",
     parse(NEWSPAPER, ("Picking", (0, 0), [("Theme", (1, 2), "newspaper"), ("Source", (5, 5), "unk")]), PUT),
     (3, 4, 4), (3, 4, 4), 0),
    # Right span, wrong role: "stand" as Goal instead of Source. correct 3 of 4, gold 4 -> 0.75.
    ("span right, role wrong",
     parse(NEWSPAPER, ("Picking", (0, 0), [("Theme", (2, 2), "newspaper"), ("Goal", (5, 5), "unk")]), PUT),
     (3, 4, 4), (3, 4, 4), 0),
    # Only the grounding class wrong ("coffee table" as sofa): without class 4/4/4 -> 1.0;
    # with class 3/4/4 -> 0.75; exact match compares classes -> 0.
    ("class wrong only",
     parse(NEWSPAPER, TAKE, ("Placing", (7, 7), [("Theme", (2, 2), "newspaper"), ("Goal", (11, 12), "sofa")])),
     (4, 4, 4), (3, 4, 4), 0),
    # Shared argument kept in one task only: Placing lacks its Theme "newspaper" (which Picking also has).
    # A shared argument counts once per task: correct 3, predicted 3, gold 4 -> P 1, R .75, F1 6/7.
    ("shared argument dropped from one task",
     parse(NEWSPAPER, TAKE, ("Placing", (7, 7), [("Goal", (11, 12), "table")])),
     (3, 3, 4), (3, 3, 4), 0),
    # Arguments given to the wrong task: Picking gets Goal, Placing gets Source. correct = the two Themes = 2;
    # predicted 4, gold 4 -> 0.5.
    ("arguments swapped between tasks",
     parse(NEWSPAPER, ("Picking", (0, 0), [("Theme", (2, 2), "newspaper"), ("Goal", (11, 12), "table")]),
           ("Placing", (7, 7), [("Theme", (2, 2), "newspaper"), ("Source", (5, 5), "unk")])),
     (2, 4, 4), (2, 4, 4), 0),
    # Arguments in another order inside a task: a multiset, so all correct and still an exact match.
    ("argument order",
     parse(NEWSPAPER, ("Picking", (0, 0), [("Source", (5, 5), "unk"), ("Theme", (2, 2), "newspaper")]), PUT),
     (4, 4, 4), (4, 4, 4), 1),
])
def test_partial_matches(name, predicted, args, grounded, exact):
    scores = score([GOLD], [predicted])
    assert counts(scores.tasks) == (2, 2, 2), name
    assert (counts(scores.arguments), counts(scores.arguments_grounded), scores.exact) == (args, grounded, exact)


def test_partial_match_figures():
    # Class wrong only: arg F1 1.0, grounded F1 = 2 * .75 * .75 / 1.5 = 0.75.
    sofa = ("Placing", (7, 7), [("Theme", (2, 2), "newspaper"), ("Goal", (11, 12), "sofa")])
    figures = score([GOLD], [parse(NEWSPAPER, TAKE, sofa)]).as_dict()
    assert (figures["arg_f1"], figures["arg_f1_grounded"], figures["exact_match"]) == (1.0, 0.75, 0.0)
    assert figures["task_f1"] == 1.0


def test_wrong_task_type_loses_its_arguments():
    # Placing predicted as Bringing: tasks (1, 2, 2) -> P = R = .5; its arguments are predicted but cannot match:
    # arguments (2, 4, 4) -> 0.5.
    predicted = parse(NEWSPAPER, TAKE, ("Bringing", (7, 7), PUT[2]))
    scores = score([GOLD], [predicted])
    assert (counts(scores.tasks), counts(scores.arguments)) == ((1, 2, 2), (2, 4, 4))
    assert scores.tasks.f1 == 0.5


def test_wrong_trigger_loses_the_task():
    # Placing triggered by "it" (8) instead of "put" (7): task key differs -> tasks (1, 2, 2), arguments (2, 4, 4).
    predicted = parse(NEWSPAPER, TAKE, ("Placing", (8, 8), PUT[2]))
    scores = score([GOLD], [predicted])
    assert (counts(scores.tasks), counts(scores.arguments)) == ((1, 2, 2), (2, 4, 4))


def test_unmatched_predicted_task_counts_its_arguments():
    # Gold: Picking only (2 arguments). Predicted: the same Picking plus Placing (2 arguments) that has no gold.
    # tasks (1, 2, 1): P .5, R 1, F1 2/3. arguments (2, 4, 2): P .5, R 1, F1 2/3.
    scores = score([parse(NEWSPAPER, TAKE)], [GOLD])
    assert (counts(scores.tasks), counts(scores.arguments)) == ((1, 2, 1), (2, 4, 2))
    assert scores.arguments.f1 == pytest.approx(2 / 3)
    assert scores.tasks.precision == 0.5 and scores.tasks.recall == 1.0


def test_missed_gold_task_counts_its_arguments():
    # The reverse: gold has both tasks, prediction only Picking. tasks (1, 1, 2), arguments (2, 2, 4):
    # P 1, R .5, F1 2/3.
    scores = score([GOLD], [parse(NEWSPAPER, TAKE)])
    assert (counts(scores.tasks), counts(scores.arguments)) == ((1, 1, 2), (2, 2, 4))
    assert scores.arguments.f1 == pytest.approx(2 / 3)


BLACK = ("Picking", (0, 0), [("Theme", (2, 3), "cup")])
BROWN = ("Picking", (0, 0), [("Theme", (6, 7), "cup")])


@pytest.mark.parametrize(("predicted", "tasks", "args"), [
    # Both Picking tasks share the trigger "pick". In gold order: tasks (2, 2, 2), arguments (2, 2, 2).
    ((BLACK, BROWN), (2, 2, 2), (2, 2, 2)),
    # Only the brown one: it takes the first unused gold task of equal key, the black one, so its argument is
    # wrong. tasks (1, 1, 2): P 1, R .5; arguments (0, 1, 2): F1 0.
    ((BROWN,), (1, 1, 2), (0, 1, 2)),
    # Both, in the other order: brown pairs with black and black with brown. tasks (2, 2, 2) but arguments
    # (0, 2, 2): matching is by type and trigger in order, as the reference defines it, not by best overlap.
    ((BROWN, BLACK), (2, 2, 2), (0, 2, 2)),
    # Three predicted for two gold: the third finds no unused gold task. tasks (2, 3, 2): P 2/3;
    # arguments (2, 3, 2).
    ((BLACK, BROWN, BROWN), (2, 3, 2), (2, 3, 2)),
])
def test_duplicated_tasks(predicted, tasks, args):
    scores = score([parse(CUPS, BLACK, BROWN)], [parse(CUPS, *predicted)])
    assert (counts(scores.tasks), counts(scores.arguments)) == (tasks, args)


def test_match_tasks_takes_the_first_unused_gold_task():
    gold = parse(CUPS, BLACK, BROWN, ("Placing", (4, 4), [])).tasks
    predicted = parse(CUPS, ("Placing", (4, 4), []), BROWN, BROWN, BLACK).tasks
    assert match_tasks(gold, predicted) == [(2, 0), (0, 1), (1, 2)]


def test_duplicated_argument_within_a_task_is_a_multiset():
    # Gold Picking has Theme "black cup" twice; predicted once -> arguments (1, 1, 2); predicted three times
    # -> (2, 3, 2).
    twice = ("Picking", (0, 0), [("Theme", (2, 3), "cup")] * 2)
    scores = score([parse(CUPS, twice)] * 2, [parse(CUPS, BLACK), parse(CUPS, ("Picking", (0, 0), BLACK[2] * 3))])
    assert counts(scores.arguments) == (1 + 2, 1 + 3, 2 + 2)


def test_empty_prediction():
    # tasks (0, 0, 2), arguments (0, 0, 4): nothing predicted, gold present -> P = R = F1 = 0.
    scores = score([GOLD], [parse(NEWSPAPER)])
    assert (counts(scores.tasks), counts(scores.arguments)) == ((0, 0, 2), (0, 0, 4))
    assert (scores.arguments.precision, scores.arguments.recall, scores.arguments.f1, scores.exact) == (0, 0, 0, 0)


def test_empty_gold():
    # Gold has no task, prediction has Picking with 2 arguments: tasks (0, 1, 0), arguments (0, 2, 0) -> all 0.
    scores = score([parse(NEWSPAPER)], [parse(NEWSPAPER, TAKE)])
    assert (counts(scores.tasks), counts(scores.arguments)) == ((0, 1, 0), (0, 2, 0))
    assert (scores.tasks.f1, scores.arguments.f1, scores.exact_match) == (0.0, 0.0, 0.0)


def test_both_empty_is_a_perfect_score():
    # (0, 0, 0) everywhere -> 1.0; the two empty parses are an exact match.
    scores = score([parse(NEWSPAPER)], [parse(NEWSPAPER)])
    assert (scores.tasks.f1, scores.arguments.f1, scores.arguments_grounded.f1, scores.exact_match) == (1, 1, 1, 1)


def test_text_is_compared_case_insensitively():
    # "Take the Newspaper ... Coffee Table" against the lower-case gold: same words -> (4, 4, 4), exact 1.
    upper = "Take the Newspaper from the Stand and Put it on the Coffee Table"
    scores = score([GOLD], [parse(upper, TAKE, PUT)])
    assert (counts(scores.tasks), counts(scores.arguments_grounded), scores.exact) == ((2, 2, 2), (4, 4, 4), 1)


def test_micro_average_over_instructions():
    # Instruction 1 exact: arguments (4, 4, 4). Instruction 2 the prediction is empty: (0, 0, 4).
    # Micro: (4, 4, 8) -> P 1, R .5, F1 2/3 (a macro average of the two F1s would be 0.5).
    scores = score([GOLD, GOLD], [GOLD, parse(NEWSPAPER)])
    assert counts(scores.arguments) == (4, 4, 8)
    assert scores.arguments.f1 == pytest.approx(2 / 3)
    assert (scores.n, scores.exact, scores.exact_match) == (2, 1, 0.5)


def test_exact_match_keeps_task_order():
    # Tasks swapped: both still match by key -> tasks (2, 2, 2), arguments (4, 4, 4), but not an exact match.
    scores = score([GOLD], [parse(NEWSPAPER, PUT, TAKE)])
    assert (counts(scores.tasks), counts(scores.arguments), scores.exact) == ((2, 2, 2), (4, 4, 4), 0)


def test_exact_match_ignores_attributes_and_offsets():
    mark = Attribute(type="isColour", span=GOLD.span(1, 1))
    theme = GOLD.tasks[0].arguments[0].model_copy(update={"attributes": (mark,)})
    marked = GOLD.model_copy(update={"tasks": (GOLD.tasks[0].model_copy(
        update={"arguments": (theme, GOLD.tasks[0].arguments[1])}), GOLD.tasks[1])})
    assert canonical(marked) == canonical(GOLD)


def test_no_parses():
    scores = score([], [])
    assert (scores.n, scores.exact_match, scores.arguments.f1) == (0, 1.0, 1.0)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 gold parses but 1 predictions"):
        score([GOLD, GOLD], [GOLD])


def test_report_names():
    assert {"n", "task_f1", "arg_f1", "arg_f1_grounded", "exact_match", "task_precision", "task_recall",
            "arg_precision", "arg_recall", "arg_grounded_precision", "arg_grounded_recall"} == set(
        score([GOLD], [GOLD]).as_dict())
