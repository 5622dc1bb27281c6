"""Run the tlslab benchmarks and write bench/results/*.json and the report.

Usage (from the repository root)::

    python -m bench.run                  # everything, about ten minutes
    python -m bench.run --quick          # a fast pass; rough figures
    python -m bench.run --only keys imports
    python -m bench.run --report-only    # rebuild docs/performance.md

An area whose code or tool is missing is skipped with the reason, and its
previous JSON (if any) is left as it was.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from .common import ROOT, Settings, Unavailable, write_result

AREAS = [
    "imports",
    "keys",
    "reading",
    "server",
    "handshakes",
    "memory",
    "notebooks",
]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats, rough")
    parser.add_argument("--only", nargs="+", choices=AREAS, help="areas to run")
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=ROOT / "bench" / "results",
        help="where the JSON files go (default bench/results)",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=ROOT / "docs" / "performance.md",
        help="the Markdown report to write (its plot goes beside it as .png)",
    )
    parser.add_argument("--no-report", action="store_true", help="JSON only")
    parser.add_argument(
        "--report-only", action="store_true", help="rebuild the report from JSON"
    )
    return parser.parse_args(argv)


def run_area(name: str, settings: Settings) -> Path | None:
    """Run one area and write its JSON; None when it could not run here."""
    module = importlib.import_module(f"bench.{name}")
    print(f"[bench] {name}: {module.TITLE} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    try:
        rows, notes, details = module.run(settings)
    except Unavailable as reason:
        print(f"[bench] {name}: skipped: {reason}", file=sys.stderr, flush=True)
        return None
    seconds = time.perf_counter() - start
    path = write_result(
        name,
        module.TITLE,
        rows,
        settings,
        notes=notes,
        details=details,
        seconds=seconds,
        load=(load_before, os.getloadavg()[0]),
    )
    print(f"[bench] {name}: {seconds:.0f} s -> {path}", file=sys.stderr, flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the chosen areas, then rebuild the report; return an exit status."""
    options = _arguments(argv)
    settings = Settings(quick=options.quick, results_dir=options.results_dir)
    failed = []
    if not options.report_only:
        # A learner's Python caches compiled modules; make sure this one can
        # too, even where PYTHONDONTWRITEBYTECODE is set or sources changed.
        compileall.compile_dir(ROOT / "tlslab", quiet=1)
        for name in options.only or AREAS:
            try:
                run_area(name, settings)
            except Exception:
                traceback.print_exc()
                failed.append(name)
    if not options.no_report:
        from .report import write_report

        path = write_report(options.results_dir, options.docs)
        print(f"[bench] report -> {path}", file=sys.stderr)
    if failed:
        print(f"[bench] failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
