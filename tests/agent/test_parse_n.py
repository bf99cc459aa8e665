import pytest

from agent import Agent
from decoding.errors import DecodingError


@pytest.mark.parametrize("n", [0, -1, 2.5, "3"])
def test_parse_n_refuses_a_count_that_is_not_a_positive_integer(n):
    with pytest.raises(DecodingError, match="n must be a positive integer"):
        Agent.load(backend="rules").parse_n("take the mug", n)
