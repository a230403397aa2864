"""The manifest says which outputs in a folder belong to the last build that finished."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from conftest import run_cli, SAMPLE


def _listed(out: Path) -> dict[str, str]:
    return json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))["outputs"]


def test_the_manifest_lists_each_output_with_its_digest(tmp_path: Path, sample_out: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_out, out)
    listed = _listed(out)
    assert set(listed) == {p.name for p in out.iterdir() if p.suffix in (".epub", ".pdf")}
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_an_output_another_build_left_is_not_listed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("epub", "--manuscript", str(SAMPLE), "--out", str(out)).returncode == 0
    epub = next(out.glob("*.epub"))
    epub.write_bytes(epub.read_bytes() + b"\0")  # as if another build had replaced it, then been killed
    assert run_cli("pdf", "--manuscript", str(SAMPLE), "--out", str(out)).returncode == 0
    listed = _listed(out)
    assert epub.name not in listed and any(name.endswith(".pdf") for name in listed)
