"""Shared fixtures. The real reports in ../shared/seeds are reached through ``seeds`` only:
in CI (CI=true) their absence is a failure; on a clone without them those tests skip, saying why."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT / "corpus" / "samples"


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The seed folder (txt/ docx/ pdf/ scanned/ encodings/ gold.json)."""
    if not (SEEDS / "gold.json").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must have the seed reports at {SEEDS}")
        pytest.skip(f"seed reports not found at {SEEDS} (they live beside the checkout in shared/)")
    return SEEDS


@pytest.fixture(scope="session")
def gold(seeds) -> dict:
    return json.loads((seeds / "gold.json").read_text(encoding="utf-8"))["reports"]


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
