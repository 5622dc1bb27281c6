"""HTML pieces shared by the widgets: tables, badges, colours.

Only built-in ipywidgets are used (``HTML`` among them), so everything the
widgets show is plain HTML with inline styles: no custom JavaScript, no CSS
file, and it renders the same in JupyterLab, Notebook 7 and on Binder.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from ..describe import Field, fields_html
from ..lint import SEVERITIES, LintReport, severity_colour

__all__ = [
    "CHANGED",
    "badge",
    "connection_html",
    "esc",
    "fields_table",
    "findings_html",
    "lint_summary",
    "message_html",
    "pre",
]

CHANGED = "#fff3b0"
OK_COLOUR = "#1b7f3b"
ERROR_COLOUR = severity_colour("error")


def esc(text: object) -> str:
    """Escape any value for HTML."""
    return html.escape(str(text))


def badge(text: str, colour: str) -> str:
    """A small coloured label, like ERROR or OK."""
    return (
        f"<span style='background:{colour};color:white;border-radius:3px;"
        f"padding:0 6px;font-weight:bold;font-size:90%'>{esc(text)}</span>"
    )


def pre(text: str) -> str:
    """Monospaced, wrapped text (PEM, hex)."""
    return (
        "<pre style='white-space:pre-wrap;word-break:break-all;font-size:85%;"
        f"margin:0'>{esc(text)}</pre>"
    )


def fields_table(fields: Iterable[Field], *, meanings: bool = True) -> str:
    """Fields as one table with a heading row per section (see describe)."""
    return fields_html(list(fields), meanings=meanings)


def lint_summary(report: LintReport) -> str:
    """One line: counts per severity in words and colour, or a green OK."""
    if not report.findings:
        return badge("OK", OK_COLOUR) + " no lint findings"
    parts = []
    for severity in SEVERITIES:
        count = len(report.by_severity(severity))
        if count:
            label = f"{count} {severity}{'s' if count != 1 else ''}"
            parts.append(badge(label, severity_colour(severity)))
    return " ".join(parts)


def findings_html(report: LintReport) -> str:
    """The findings grouped by severity, each with its code, message and fix."""
    if not report.findings:
        return (
            f"<p>{badge('OK', OK_COLOUR)} No findings for a {esc(report.purpose)} "
            f"certificate under the {esc(report.profile)} profile.</p>"
        )
    blocks = []
    for severity in SEVERITIES:
        found = report.by_severity(severity)
        if not found:
            continue
        colour = severity_colour(severity)
        items = "".join(
            f"<li style='margin-bottom:4px'><code>{esc(f.code)}</code>: "
            f"{esc(f.message)}<br><span style='color:#444'><b>Fix:</b> "
            f"{esc(f.fix)}</span></li>"
            for f in found
        )
        blocks.append(
            f"<div style='border-left:4px solid {colour};padding-left:8px;"
            f"margin:4px 0'>{badge(severity.upper(), colour)}<ul>{items}</ul></div>"
        )
    return "".join(blocks)


def message_html(text: str, *, ok: bool) -> str:
    """A result line: green for success, red for failure."""
    colour = OK_COLOUR if ok else ERROR_COLOUR
    word = "OK" if ok else "FAILED"
    return f"<div>{badge(word, colour)} {esc(text)}</div>"


def connection_html(client: str, outcome: object) -> str:
    """One client connection's result: the greeting, or the refusal and why.

    ``outcome`` is the Greeting received, or the exception raised (a
    HandshakeError's reason code leads the line).
    """
    if isinstance(outcome, Exception):
        reason = getattr(outcome, "reason", type(outcome).__name__)
        return message_html(f"{reason}: {outcome}", ok=False)
    reply: Any = outcome
    return message_html(
        f"{client} connected over {reply.tls_version} ({reply.cipher}) and "
        f"received {reply.text!r}",
        ok=True,
    )
