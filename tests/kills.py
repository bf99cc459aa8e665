"""SIGKILL at random moments: the helper of the "nothing lost" tests (`make kill` runs them with 20 trials)."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable

__all__ = ["kill_at_random_moments", "trials"]


def trials(default: int) -> int:
    """How many kills a test makes: `default`, or $TAGE_KILL_TRIALS (`make kill`)."""
    return int(os.environ.get("TAGE_KILL_TRIALS", default))


def kill_at_random_moments(start: Callable[[], object], check: Callable[[], object], n: int, longest_s: float,
                           shortest_s: float = 0.0, seed: int = 13) -> list:
    """`n` times: `start()` a process (a `subprocess.Popen` or a `multiprocessing.Process`), SIGKILL it after a
    random delay between `shortest_s` and `longest_s`, wait for it, then `check()` what it left; the checks'
    results in order."""
    rng, states = random.Random(seed), []
    for _ in range(n):
        process = start()
        time.sleep(rng.uniform(shortest_s, longest_s))
        os.kill(process.pid, signal.SIGKILL)
        process.join() if hasattr(process, "join") else process.wait()
        states.append(check())
    return states
