"""The client matrix: every broken-certificate case against every client.

Serve each case of :mod:`tlslab.scenarios`, point every available client at
it (tlslab's Twisted client, Python's ``ssl`` with and without
``VERIFY_X509_STRICT``, ``openssl s_client`` and ``curl``), and tabulate who
accepted and who refused, in each client's own words. Where clients disagree
(one accepts a certificate without subjectAltName, another refuses it), the
row is marked: that is where the lesson is.

    >>> import tlslab
    >>> table = tlslab.client_matrix(["good", "no-san"])  # doctest: +SKIP
    >>> table                                           # a table in Jupyter
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .errors import HandshakeError, InvalidArgument, TlslabError, ToolNotInstalled
from .scenarios import CLIENTS, Case, Catalogue, ScenarioServer, catalogue, serve

__all__ = ["ClientMatrix", "MatrixRow", "Verdict", "client_matrix"]

logger = logging.getLogger(__name__)

# The profile a case is served with when the default one refuses to load it
# (a weak key or digest): deliberately weak, so the clients can be tried too.
WEAK_PROFILE = "legacy-insecure"


@dataclass(frozen=True)
class Verdict:
    """What one client made of one case.

    Attributes:
        client: The client (``"twisted"``, ``"ssl"``, ``"curl"``, ...).
        outcome: ``"accepted"``, ``"refused"``, ``"unavailable"`` (the tool
            is not installed) or ``"error"`` (tlslab could not run it).
        reason: tlslab's reason code when refused (``"expired"``, ...).
        message: tlslab's explanation: what happened, and the fix.
        detail: What the client itself said (OpenSSL's or curl's words).
        tls_version: The TLS version negotiated, when accepted.
        tool_accepted: The tool itself accepted the certificate, and only
            tlslab's fail-closed identity check refused it (openssl and curl
            still match a host name against the common name when there is
            no subjectAltName).
    """

    client: str
    outcome: str
    reason: str | None = None
    message: str = ""
    detail: str = ""
    tls_version: str | None = None
    tool_accepted: bool = False

    @property
    def tool_outcome(self) -> str:
        """The outcome of the tool on its own, before tlslab's own checks."""
        return "accepted" if self.tool_accepted else self.outcome

    @property
    def accepted(self) -> bool:
        """Whether the client completed the handshake and got the greeting."""
        return self.outcome == "accepted"

    @property
    def label(self) -> str:
        """A short label for a table cell: "accepted", the reason, or the outcome."""
        if self.outcome == "refused":
            return (self.reason or "refused") + ("*" if self.tool_accepted else "")
        return self.outcome


@dataclass(frozen=True)
class MatrixRow:
    """One case and every client's verdict on it.

    Attributes:
        case: The case that was served.
        verdicts: The verdict of each client, by client name.
        server_refusal: When the server refused to load the case with its
            own profile, what it said (the clients then met the case served
            with the deliberately weak profile); None otherwise.
    """

    case: Case
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    server_refusal: str | None = None

    @property
    def disagreement(self) -> bool:
        """Whether some clients, on their own, accepted the case and others
        refused it."""
        outcomes = {v.tool_outcome for v in self._ran()}
        return {"accepted", "refused"} <= outcomes

    @property
    def reasons(self) -> set[str]:
        """The distinct reason codes the refusing clients gave."""
        return {v.reason or "refused" for v in self._ran() if v.outcome == "refused"}

    def _ran(self) -> list[Verdict]:
        return [
            v for v in self.verdicts.values() if v.outcome in ("accepted", "refused")
        ]

    def summary(self) -> str:
        """One sentence: who accepted, who refused and why."""
        accepted = [
            c + (" (on its own; tlslab refused it)" if v.tool_accepted else "")
            for c, v in self.verdicts.items()
            if v.tool_outcome == "accepted"
        ]
        refused = [
            f"{c} ({v.label})"
            for c, v in self.verdicts.items()
            if v.tool_outcome == "refused"
        ]
        parts = []
        if accepted:
            parts.append("accepted by " + ", ".join(accepted))
        if refused:
            parts.append("refused by " + ", ".join(refused))
        return f"{self.case.name}: " + ("; ".join(parts) or "no client ran")


class ClientMatrix(Sequence[MatrixRow]):
    """The result of :func:`client_matrix`: a row per case, a column per client.

    Prints as a plain-text table followed by the disagreements; shows as an
    HTML table in Jupyter, with disagreements highlighted and each client's
    own words on hover.
    """

    def __init__(self, rows: Iterable[MatrixRow], clients: Sequence[str]) -> None:
        self._rows = list(rows)
        self.clients = tuple(clients)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[MatrixRow]:
        return iter(self._rows)

    def row(self, case: str) -> MatrixRow:
        """The row of the case with this name.

        Raises:
            KeyError: the matrix has no such case.
        """
        for row in self._rows:
            if row.case.name == case:
                return row
        raise KeyError(
            f"the matrix has no case named {case!r}; it has "
            f"{', '.join(r.case.name for r in self._rows)}"
        )

    def verdict(self, case: str, client: str) -> Verdict:
        """What ``client`` made of ``case``.

        Raises:
            KeyError: the matrix has no such case or client.
        """
        verdicts = self.row(case).verdicts
        if client not in verdicts:
            raise KeyError(
                f"the matrix has no client named {client!r}; it has "
                f"{', '.join(self.clients)}"
            )
        return verdicts[client]

    def disagreements(self) -> list[MatrixRow]:
        """The rows where some clients accepted and others refused."""
        return [row for row in self._rows if row.disagreement]

    def __repr__(self) -> str:
        return (
            f"<ClientMatrix {len(self)} cases x {len(self.clients)} clients, "
            f"{len(self.disagreements())} disagreements>"
        )

    def __str__(self) -> str:
        first = max([4, *(len(r.case.name) for r in self._rows)]) + 4
        widths = [
            max([len(c), *(len(r.verdicts[c].label) for r in self._rows)])
            for c in self.clients
        ]
        lines = [
            "case".ljust(first)
            + "  ".join(c.ljust(w) for c, w in zip(self.clients, widths, strict=True))
        ]
        for row in self._rows:
            mark = "! " if row.disagreement else "  "
            cells = (
                row.verdicts[c].label.ljust(w)
                for c, w in zip(self.clients, widths, strict=True)
            )
            lines.append((mark + row.case.name).ljust(first) + "  ".join(cells))
        lines = [line.rstrip() for line in lines]
        if any(v.tool_accepted for r in self._rows for v in r.verdicts.values()):
            lines += ["", _TOOL_ACCEPTED_NOTE]
        if self.disagreements():
            lines += ["", "! clients disagree:"]
            lines += [f"  {row.summary()}" for row in self.disagreements()]
        refused = [row for row in self._rows if row.server_refusal]
        if refused:
            lines += ["", "The server refused to load (served weakened instead):"]
            lines += [f"  {r.case.name}: {r.server_refusal}" for r in refused]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.clients)
        body = "".join(_html_row(row, self.clients) for row in self._rows)
        count = len(self.disagreements())
        caption = (
            f"{len(self)} cases x {len(self.clients)} clients; green accepted, "
            f"red refused; <b>{count}</b> rows where clients disagree are "
            "outlined in orange. Hover over a cell for the client's own words. "
            + html.escape(_TOOL_ACCEPTED_NOTE)
        )
        return (
            "<table style='border-collapse:collapse'>"
            f"<caption style='caption-side:bottom;text-align:left'>{caption}"
            f"</caption><tr><th style='text-align:left'>case</th>{head}</tr>"
            f"{body}</table>"
        )


_TOOL_ACCEPTED_NOTE = (
    "* the tool itself accepted it (by the common name); tlslab's "
    "fail-closed identity check refused it."
)

_COLOURS = {
    "accepted": "#d4edda",
    "refused": "#f8d7da",
    "unavailable": "#e2e3e5",
    "error": "#fff3cd",
}


def _html_row(row: MatrixRow, clients: Sequence[str]) -> str:
    style = "outline:2px solid #fd7e14;" if row.disagreement else ""
    note = ""
    if row.server_refusal:
        note = (
            f"<br><small title='{html.escape(row.server_refusal)}'>the server "
            "refused to load it (hover); clients met it served weakened</small>"
        )
    name = (
        f"<td style='text-align:left' title='{html.escape(row.case.wrong)}'>"
        f"<code>{html.escape(row.case.name)}</code>"
        f"{' &#8800;' if row.disagreement else ''}<br>"
        f"<small>{html.escape(row.case.title)}</small>{note}</td>"
    )
    cells = []
    for client in clients:
        verdict = row.verdicts[client]
        mark = (
            "&#10004; "
            if verdict.accepted
            else ("&#10008; " if verdict.outcome == "refused" else "")
        )
        colour = _COLOURS["error" if verdict.tool_accepted else verdict.outcome]
        words = verdict.message
        if verdict.detail and verdict.detail not in words:
            words += f" [{client} said: {verdict.detail}]"
        cells.append(
            f"<td style='background:{colour};padding:2px 6px;white-space:nowrap' "
            f"title='{html.escape(words)}'>{mark}"
            f"{html.escape(verdict.label)}</td>"
        )
    return f"<tr style='{style}'>{name}{''.join(cells)}</tr>"


def _cases(cases: Catalogue | Iterable[Case | str] | None) -> list[Case]:
    if cases is None:
        return list(catalogue().values())
    if isinstance(cases, Catalogue):
        return list(cases.values())
    if isinstance(cases, (str, Case)):
        cases = [cases]
    items = list(cases)
    wanted = [c for c in items if isinstance(c, str)]
    built = catalogue(wanted) if wanted else {}
    result = []
    for item in items:
        if isinstance(item, Case):
            result.append(item)
        elif isinstance(item, str):
            result.append(built[item])
        else:
            raise InvalidArgument(
                f"{item!r} is not a case; pass cases from "
                "tlslab.scenarios.catalogue(), or case names such as 'expired'"
            )
    return result


def _check_clients(clients: Sequence[str] | None) -> tuple[str, ...]:
    chosen = CLIENTS if clients is None else tuple(clients)
    for client in chosen:
        if client not in CLIENTS:
            raise InvalidArgument(
                f"{client!r} is not a client the matrix knows; pick from "
                f"{', '.join(CLIENTS)}"
            )
    return chosen


def run_client(served: ScenarioServer, client: str, timeout: float) -> Verdict:
    """Fetch the greeting from a served case with one client; never raises a
    handshake failure, but records it.

    Call it from any thread but the reactor's.
    """
    try:
        greeting = served.fetch(via=client, timeout=timeout)
    except HandshakeError as exc:
        return Verdict(
            client, "refused", exc.reason, str(exc), exc.detail, None, exc.tool_accepted
        )
    except ToolNotInstalled as exc:
        return Verdict(client, "unavailable", None, str(exc))
    except TlslabError as exc:
        logger.warning("%s could not run: %s", client, exc)
        return Verdict(client, "error", None, str(exc))
    words = f"got {greeting.data!r} over {greeting.tls_version}, {greeting.cipher}"
    return Verdict(client, "accepted", None, words, greeting.tls_version)


def _run_case(case: Case, clients: Sequence[str], timeout: float) -> MatrixRow:
    refusal = None
    try:
        served = serve(case, timeout=timeout)
    except InvalidArgument as exc:
        if case.refusal is None:
            raise
        refusal = str(exc)
        logger.info(
            "%s: the server refused it (%s); serving it weakened", case.name, exc
        )
        served = serve(case, timeout=timeout, profile=WEAK_PROFILE)
    with served:
        verdicts = {c: run_client(served, c, timeout) for c in clients}
    return MatrixRow(case, verdicts, refusal)


def client_matrix(
    cases: Catalogue | Iterable[Case | str] | str | None = None,
    *,
    clients: Sequence[str] | None = None,
    timeout: float = 5.0,
) -> ClientMatrix:
    """Serve each case and point every client at it; tabulate the verdicts.

    Every server it starts is stopped before it returns, and every
    connection is bounded by ``timeout``. Cases the server refuses to load at
    its default security level (a weak key or digest) are recorded as such,
    then served with the deliberately weak ``"legacy-insecure"`` profile so
    the clients can be tried too.

    Call it from any thread but the reactor's (a notebook cell is fine).

    Args:
        cases: A catalogue, cases, or case names; the whole catalogue, built
            fresh, when omitted.
        clients: Which clients to run; all of :data:`tlslab.scenarios.CLIENTS`
            by default. A client that is not installed shows as unavailable.
        timeout: Seconds each server and client may take per connection.

    Raises:
        KeyError: a case name is not in the catalogue.
        InvalidArgument: an unknown client, or a case the server refused for
            a reason the case does not expect.
    """
    chosen = _check_clients(clients)
    rows = [_run_case(case, chosen, timeout) for case in _cases(cases)]
    return ClientMatrix(rows, chosen)
