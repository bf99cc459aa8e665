"""What SECURITY.md promises of the code itself: YAML read with safe loaders only, nothing unpickled, no shell."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for package in ("agent", "grounding", "decoding", "benchmarks")
                 for p in (ROOT / package).rglob("*.py"))
FORBIDDEN = re.compile(r"yaml\.(unsafe_load|full_load|load_all)\(|Loader=yaml\.(Loader|FullLoader|UnsafeLoader)|"
                       r"^\s*(import|from) (pickle|dill|marshal|shelve)\b|torch\.load\(|shell=True|"
                       r"(?<![.\w])(eval|exec)\(",
                       re.MULTILINE)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unsafe_loading_or_shell(path):
    found = [m.group(0) for m in FORBIDDEN.finditer(path.read_text(encoding="utf-8"))]
    assert not found, f"{path}: {found}"


def test_every_yaml_loader_is_a_safe_loader():
    from decoding.rules import _UniqueKeyLoader
    from grounding.sources import _LocatingLoader

    safe = tuple(c for c in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None)) if c is not None)
    assert issubclass(_UniqueKeyLoader, safe) and issubclass(_LocatingLoader, safe)
    calls = [line for path in SOURCES for line in path.read_text(encoding="utf-8").splitlines() if "yaml.load(" in line]
    assert calls and all("Loader=_UniqueKeyLoader" in c or "Loader=_LocatingLoader" in c for c in calls), calls
