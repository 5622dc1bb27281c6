"""Turn bench/results/*.json into docs/performance.md and its plot.

Each area's JSON carries its table rows, its notes, and optionally a
``details["plot"]`` panel: ``{"title", "ylabel", "labels", "series":
{name: [values]}, "hline": value or None, "horizontal": bool}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["write_report"]

ORDER = ["imports", "keys", "reading", "server", "handshakes", "memory", "notebooks"]

INTRO = """\
# Performance

How quickly a cell answers and how many learners a machine holds.
Every figure below is a median over repeated runs (p10 and p90 beside it).
Where a peer exists (bare `cryptography`, a stdlib `asyncio` TLS server,
`openssl s_server`, an empty notebook), the peer and tlslab ran in alternation
within the same rounds, and the ratio is the median of the per-round ratios:
absolute times on a shared machine drift by 1.5x between runs, ratios much less.

Regenerate everything with `make bench` (four minutes on a quiet two-core
machine, up to ten on a busy one; `make bench BENCH_ARGS=--quick` for a rough
pass in about two minutes).
The raw figures are in `bench/results/*.json`, one file per area, each with
the machine and versions it came from.
This page is written by `bench/report.py` from those files and the
findings in `bench/findings.md`.
"""


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if not isinstance(value, (int, float)):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _verdict(line: dict[str, Any]) -> str:
    if line.get("passed") is True:
        return "pass"
    if line.get("passed") is False:
        return "**miss**"
    return ""


def _table(rows: list[dict[str, Any]]) -> list[str]:
    has_peer = any("peer" in line for line in rows)
    head = ["measure", "median", "p10-p90", "unit"]
    if has_peer:
        head += ["peer", "peer median", "ratio"]
    head += ["target", "verdict", "note"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for line in rows:
        cells = [
            line["metric"],
            _number(line.get("median")),
            f"{_number(line.get('p10'))}-{_number(line.get('p90'))}",
            line.get("unit", ""),
        ]
        if has_peer:
            ratio = line.get("ratio")
            cells += [
                line.get("peer", ""),
                _number(line.get("peer_median")),
                "" if ratio is None else f"{ratio:.2f}x",
            ]
        cells += [line.get("target") or "", _verdict(line), line.get("note", "")]
        out.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return out


def _load(results_dir: Path) -> list[dict[str, Any]]:
    found = {}
    for path in sorted(results_dir.glob("*.json")):
        document = json.loads(path.read_text())
        found[document["area"]] = document
    ranked = [found.pop(area) for area in ORDER if area in found]
    return ranked + list(found.values())


def _environment(documents: list[dict[str, Any]]) -> list[str]:
    first = documents[0]
    box = first["machine"]
    lines = [
        "## Machine and versions",
        "",
        f"- Machine: {box['cores']} cores, {box['cpu_model']}, "
        f"{box['memory_gib']} GiB memory, {box['system']}",
    ]
    for name, version in first["versions"].items():
        if version:
            lines.append(f"- {name}: {version}")
    when = sorted({d["when"][:16] for d in documents})
    quick = [d["area"] for d in documents if d.get("quick")]
    lines.append(f"- Measured: {when[0]} to {when[-1]} UTC")
    if quick:
        lines.append(f"- Quick (rough) figures in: {', '.join(quick)}")
    different = [d["area"] for d in documents if d["machine"] != box]
    if different:
        lines.append(f"- Measured on another machine: {', '.join(different)}")
    return [*lines, ""]


def _headline(documents: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Targets at a glance",
        "",
        "| area | measure | figure | target | verdict |",
        "|---|---|---|---|---|",
    ]
    for document in documents:
        for line in document["rows"]:
            if line.get("target") and line.get("passed") is not None:
                figure = (
                    f"{line['ratio']:.3f}x"
                    if "ratio" in line and "ratio" in str(line["target"])
                    else f"{_number(line['median'])} {line['unit']}"
                )
                lines.append(
                    f"| {document['area']} | {line['metric']} | {figure} | "
                    f"{line['target']} | {_verdict(line)} |"
                )
    return [*lines, ""]


def _plot(documents: list[dict[str, Any]], path: Path) -> bool:
    panels = [d["details"]["plot"] for d in documents if d["details"].get("plot")]
    if not panels:
        return False
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("[bench] matplotlib is missing: no plot", file=sys.stderr)
        return False
    columns = 2 if len(panels) > 1 else 1
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(
        rows, columns, figsize=(7 * columns, 4.2 * rows), squeeze=False
    )
    for axis, panel in zip(axes.flat, panels, strict=False):
        _panel(axis, panel)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


def _panel(axis: Any, panel: dict[str, Any]) -> None:
    labels = panel["labels"]
    series = panel["series"]
    width = 0.8 / max(len(series), 1)
    positions = range(len(labels))
    for index, (name, values) in enumerate(series.items()):
        offsets = [p + (index - (len(series) - 1) / 2) * width for p in positions]
        if panel.get("horizontal"):
            axis.barh(offsets, values, height=width, label=name)
        else:
            axis.bar(offsets, values, width=width, label=name)
    if panel.get("horizontal"):
        axis.set_yticks(list(positions), labels, fontsize=8)
        axis.invert_yaxis()
        axis.set_xlabel(panel["ylabel"])
        if panel.get("hline") is not None:
            axis.axvline(panel["hline"], color="black", linestyle="--", linewidth=1)
    else:
        axis.set_xticks(list(positions), labels, fontsize=8, rotation=20, ha="right")
        axis.set_ylabel(panel["ylabel"])
        if panel.get("hline") is not None:
            axis.axhline(panel["hline"], color="black", linestyle="--", linewidth=1)
    axis.set_title(panel["title"], fontsize=10)
    if len(series) > 1 or panel.get("legend"):
        axis.legend(fontsize=8)
    axis.grid(axis="x" if panel.get("horizontal") else "y", alpha=0.3)


def write_report(results_dir: Path, docs: Path) -> Path:
    """Write ``docs`` (Markdown) and its ``.png`` plot from ``results_dir``."""
    documents = _load(results_dir)
    docs.parent.mkdir(parents=True, exist_ok=True)
    if not documents:
        docs.write_text(INTRO + "\nNo results yet: run `make bench`.\n")
        return docs
    lines = [INTRO, *_headline(documents)]
    findings = Path(__file__).with_name("findings.md")
    if findings.exists():
        lines += [findings.read_text().rstrip(), ""]
    lines += _environment(documents)
    image = docs.with_suffix(".png")
    if _plot(documents, image):
        lines += [f"![benchmark plot]({image.name})", ""]
    for document in documents:
        lines += [f"## {document['title']}", ""]
        seconds = document.get("bench_seconds")
        if seconds is not None:
            load = document.get("load_average_1min")
            busy = (
                f", load average {load[0]:.1f} before and {load[1]:.1f} after"
                if load
                else ""
            )
            lines += [
                f"Measured in {seconds:.0f} s (`--only {document['area']}`){busy}.",
                "",
            ]
        lines += [*_table(document["rows"]), ""]
        lines += [f"- {note}" for note in document["notes"]]
        lines.append("")
    docs.write_text("\n".join(lines).rstrip() + "\n")
    return docs
