"""The real Amazon samples: `../shared/amazon-samples` beside the repository (never copied into it), or
`AI_TEST_SAMPLES`. Absent, the tests that read them skip and say where they looked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLES = Path(os.environ.get("AI_TEST_SAMPLES")
               or Path(__file__).resolve().parents[2] / "shared" / "amazon-samples")


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"exemple Amazon absent : {path} (le dépôt se place à côté de shared/, ou AI_TEST_SAMPLES)")
    return path


def needs_samples() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"exemples Amazon absents : {SAMPLES} (le dépôt se place à côté de shared/, ou AI_TEST_SAMPLES)")
