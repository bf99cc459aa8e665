import torch

from decoding.batching import pack

STOP, END = 9, 7


def test_pack_pads_decisions_and_ends_each_sequence():
    # sentence 0: two tasks, the first with two arguments; sentence 1: no task
    b = pack([[(1, 0, 0, [(2, 2, 3, 5), (3, 5, 5, 6)]), (4, 6, 6, [])], []], [8, 3], STOP, END)
    assert b["types"].tolist() == [[1, 4, STOP], [STOP, STOP, STOP]]
    assert b["t_valid"].tolist() == [[True] * 3, [True, False, False]]
    assert b["roles"].tolist() == [[2, 3, END], [END, END, END]]
    assert b["a_valid"].tolist() == [[True, True, True], [True, False, False]]
    assert b["task_sentence"].tolist() == [0, 0] and b["task_index"].tolist() == [0, 1]


def test_pack_gives_what_each_decision_sees_of_the_earlier_ones():
    b = pack([[(1, 0, 1, [(2, 3, 4, 5)]), (4, 6, 6, [])]], [8], STOP, END)
    assert b["t_anchor"].tolist() == [[0, 0, 6]]  # the previous trigger's start
    used = b["t_used"][0].int().tolist()
    assert used == [[0] * 8, [1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 1, 0]]  # words of earlier triggers
    assert b["a_inside"][0].int().tolist() == [[0, 0, 0, 1, 1, 0, 0, 0], [0] * 8]  # the argument's words; END none


def test_a_batch_without_tasks_has_one_dummy_task_row_that_trains_nothing():
    b = pack([[]], [4], STOP, END)
    assert b["roles"].shape == (1, 1) and not b["a_valid"].any()
    assert b["a_inside"].shape == (1, 1, 4) and b["t_used"].dtype == torch.bool
