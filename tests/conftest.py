"""Shared fixtures. The real reports beside the checkout are reached through two fixtures only:
``seeds`` (../shared/seeds) and ``real`` (../shared/real). In CI (CI=true) their absence is a
failure; on a clone without them those tests skip, saying why."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
REAL = ROOT.parent / "shared" / "real"
SAMPLES = ROOT / "corpus" / "samples"


def _shared_part(path: Path, marker: str) -> Path:
    """A folder of ../shared: in CI its absence fails the test; elsewhere the test skips, saying why."""
    if not (path / marker).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must have the real reports at {path}")
        pytest.skip(f"real reports not found at {path} (they live beside the checkout in shared/)")
    return path


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The seed folder (txt/ docx/ pdf/ scanned/ encodings/ gold.json)."""
    return _shared_part(SEEDS, "gold.json")


@pytest.fixture(scope="session")
def real() -> Path:
    """The public report beginnings (../shared/real: one .txt per case, cases.json with the fields each states)."""
    return _shared_part(REAL, "cases.json")


@pytest.fixture(scope="session")
def gold(seeds) -> dict:
    return json.loads((seeds / "gold.json").read_text(encoding="utf-8"))["reports"]


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
