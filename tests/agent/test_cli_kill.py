"""Nothing lost: `tage data convert` and `tage train` killed (SIGKILL) at random moments leave every file whole (the
old one or the new one), a checkpoint loads whole (the previous best or the new one), and the rerun completes.
`make kill`: 20 trials."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from decoding.checkpoint import CONFIG, load_checkpoint
from tests.kills import kill_at_random_moments, trials

ROOT = Path(__file__).resolve().parents[2]
TAGE = str(Path(sys.executable).with_name("tage"))
SPLITS = ("train", "dev", "test")


def _tage(*args) -> subprocess.Popen:
    return subprocess.Popen([TAGE, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _timed(*args) -> float:
    started = time.perf_counter()
    assert _tage(*args).wait(timeout=600) == 0
    return time.perf_counter() - started


def test_tage_data_convert_killed_leaves_each_split_whole_or_absent(tmp_path):
    out = tmp_path / "out"
    full = _timed("data", "convert", "--out", tmp_path / "reference")
    reference = {split: (ROOT / "data" / "tage" / f"{split}.jsonl").read_bytes() for split in SPLITS}

    def written() -> list[str]:
        whole = []
        for split in SPLITS:
            path = out / f"{split}.jsonl"
            if path.exists():
                assert path.read_bytes() == reference[split], f"{path} is not whole after a kill"
                whole.append(split)
        return whole

    def start() -> subprocess.Popen:  # from nothing each time: what a kill leaves is that run's alone
        shutil.rmtree(out, ignore_errors=True)
        return _tage("data", "convert", "--out", out)

    # the files are written in the last moments of a run: most kills land there
    states = kill_at_random_moments(start, written, trials(3), full * 1.1, full * 0.6)
    print(f"splits whole after each kill: {states}")
    assert _tage("data", "convert", "--out", out).wait(timeout=600) == 0 and written() == list(SPLITS)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.jsonl"
    path.write_text("".join((ROOT / "data" / "tage" / "train.jsonl").read_text().splitlines(keepends=True)[:12]))
    return path


def _first_save(*args, folder: Path) -> tuple[float, float]:
    """Seconds from the start of `tage ARGS` to its first checkpoint in `folder`, and to its end."""
    started, process, first = time.perf_counter(), _tage(*args), None
    while process.poll() is None:
        if first is None and (folder / CONFIG).exists():
            first = time.perf_counter() - started
        time.sleep(0.01)
    assert process.returncode == 0 and first is not None
    return first, time.perf_counter() - started


def test_tage_train_killed_leaves_a_checkpoint_that_loads_whole(tiny, tmp_path):
    out = tmp_path / "ckpt"
    command = ("train", "--train", tiny, "--dev", tiny, "--epochs", "3", "--finetune-epochs", "0", "--out", out)
    first, full = _first_save(*command[:-1], tmp_path / "reference", folder=tmp_path / "reference")

    def left() -> str:
        if not (out / CONFIG).exists():
            return "none"
        _, meta = load_checkpoint(out)  # the previous best epoch or the new one, whole: never refused
        return "complete" if meta["complete"] else "best epoch so far"

    # from just before the first save to the end: the kills land around the saves of later epochs
    states = kill_at_random_moments(lambda: _tage(*command), left, trials(2), full, first * 0.9)
    print(f"checkpoint after each kill: {states}")
    assert _tage(*command).wait(timeout=600) == 0 and left() == "complete"
