"""The benchmark harness still runs: one small area, quick mode, no timing asserts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_keys_writes_json_and_report(tmp_path: Path) -> None:
    """`python -m bench.run --quick --only keys` writes its JSON and the report."""
    report = tmp_path / "performance.md"
    command = [sys.executable, "-m", "bench.run", "--quick", "--only", "keys"]
    subprocess.run(
        [*command, "--results-dir", str(tmp_path), "--docs", str(report)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = json.loads((tmp_path / "keys.json").read_text())
    assert {"machine", "versions", "rows"} <= result.keys()
    assert "Key generation and issuing" in report.read_text()
