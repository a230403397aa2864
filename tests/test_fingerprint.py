"""The sample's outputs hold what they held before the chapter tree (tests/fingerprint.py)."""

from __future__ import annotations

import json
from pathlib import Path

from fingerprint import fingerprint

BASELINE = Path(__file__).parent / "data" / "sample-fingerprint.json"


def test_sample_reads_as_before(sample_out: Path) -> None:
    before = json.loads(BASELINE.read_text("utf-8"))
    now = fingerprint(sample_out)
    assert now["pdf"]["pages"] == before["pdf"]["pages"]
    for index, (was, is_) in enumerate(zip(before["pdf"]["text"], now["pdf"]["text"], strict=True)):
        assert is_ == was, f"PDF page {index + 1} changed"
    assert now["epub"] == before["epub"]
