"""Shared helpers for the benchmarks: timing, medians, machine facts, results.

Every figure is a median over repeated runs. Where a peer exists, the peer and
tlslab run in alternation inside the same rounds (the order rotates each
round), and the ratio is the median of the per-round ratios, so a machine that
slows down half-way slows both sides of every ratio alike.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "ROOT",
    "Settings",
    "Unavailable",
    "interleave",
    "machine",
    "ratio",
    "row",
    "spread",
    "versions",
    "write_result",
]

ROOT = Path(__file__).resolve().parent.parent


class Unavailable(RuntimeError):
    """A benchmark cannot run here yet (its code or a tool is missing)."""


@dataclass
class Settings:
    """How hard to measure.

    Attributes:
        quick: A fast pass that proves the scripts work; its figures are rough.
        results_dir: Where the JSON files go.
    """

    quick: bool = False
    results_dir: Path = field(default_factory=lambda: ROOT / "bench" / "results")

    def pick(self, full: int, quick: int) -> int:
        """The repeat count for this mode."""
        return quick if self.quick else full


def time_call(fn: Callable[[], Any], number: int = 1) -> float:
    """Seconds per call of ``fn``, over ``number`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def interleave(
    contenders: dict[str, Callable[[], Any]], rounds: int, number: int = 1
) -> dict[str, list[float]]:
    """Time several functions in alternation; seconds per call, per round.

    Each round times every contender once (``number`` calls), starting with a
    different contender each round, so drift in the machine's speed touches
    them all alike.
    """
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up: first calls pay for lazy imports and caches
        contenders[name]()
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(time_call(contenders[name], number))
    return samples


def spread(samples: Sequence[float], scale: float = 1.0) -> dict[str, float]:
    """Median, 10th and 90th percentiles and count of ``samples``, times ``scale``."""
    values = sorted(v * scale for v in samples)
    if len(values) >= 2:
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        low, high = deciles[0], deciles[-1]
    else:
        low = high = values[0]
    return {
        "median": statistics.median(values),
        "p10": low,
        "p90": high,
        "n": len(values),
    }


def ratio(mine: Sequence[float], theirs: Sequence[float]) -> float:
    """The median of per-round ratios ``mine[i] / theirs[i]``."""
    return statistics.median(a / b for a, b in zip(mine, theirs, strict=True) if b > 0)


def row(
    metric: str,
    samples: Sequence[float],
    *,
    unit: str = "ms",
    scale: float = 1e3,
    peer: str | None = None,
    peer_samples: Sequence[float] | None = None,
    target: str | None = None,
    passed: bool | None = None,
    ratio_value: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One line of a results table: a median with its spread, maybe a ratio.

    ``samples`` are in seconds unless ``scale`` says otherwise; ``scale`` turns
    them into ``unit``. With ``peer_samples`` (measured in the same rounds),
    the row carries the peer's median and the median per-round ratio.
    """
    line: dict[str, Any] = {"metric": metric, "unit": unit}
    line.update(spread(samples, scale))
    if peer is not None and peer_samples is not None:
        line["peer"] = peer
        line["peer_median"] = spread(peer_samples, scale)["median"]
        line["ratio"] = (
            ratio(samples, peer_samples) if ratio_value is None else ratio_value
        )
    line["target"] = target
    line["passed"] = passed
    line["note"] = note
    return line


def _cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine a result came from: cores, CPU model, memory, system."""
    memory = None
    try:
        import psutil

        memory = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = round(pages / 2**30, 1)
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": memory,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    """The tlslab commit measured: $TLSLAB_COMMIT, or git's HEAD here."""
    if os.environ.get("TLSLAB_COMMIT"):
        return os.environ["TLSLAB_COMMIT"]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def versions() -> dict[str, Any]:
    """The versions the figures depend on, and the tlslab commit measured."""
    return {
        "tlslab_commit": _commit(),
        "python": sys.version.split()[0],
        "openssl": ssl.OPENSSL_VERSION,
        "tlslab": _version("tlslab"),
        "cryptography": _version("cryptography"),
        "twisted": _version("twisted"),
        "pyopenssl": _version("pyopenssl"),
        "crochet": _version("crochet"),
        "ipywidgets": _version("ipywidgets"),
        "nbclient": _version("nbclient"),
    }


def write_result(
    area: str,
    title: str,
    rows: list[dict[str, Any]],
    settings: Settings,
    *,
    notes: Sequence[str] = (),
    details: dict[str, Any] | None = None,
    seconds: float | None = None,
    load: tuple[float, float] | None = None,
) -> Path:
    """Write one area's results to ``<results_dir>/<area>.json``; return the path.

    ``load`` is the machine's one-minute load average before and after the
    area ran: on a shared machine it says how busy the others kept it.
    """
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "area": area,
        "title": title,
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": settings.quick,
        "bench_seconds": None if seconds is None else round(seconds, 1),
        "load_average_1min": None if load is None else [round(x, 2) for x in load],
        "machine": machine(),
        "versions": versions(),
        "rows": rows,
        "notes": list(notes),
        "details": details or {},
    }
    path = settings.results_dir / f"{area}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path
