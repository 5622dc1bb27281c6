"""The certificate inspector, and two certificates side by side.

:class:`CertificateInspector` shows any certificate, chain, credentials or CA:
the fields grouped and explained, each extension in a collapsible section,
the lint findings by severity in words and colour, the PEM, and the chain.
:class:`CertificateComparison` lines two certificates up field by field and
highlights what differs.

Both are built from ipywidgets' own widgets only, and are meant to be used
from the notebook's main thread (a cell or a widget callback).
"""

from __future__ import annotations

import os
from typing import Any

import ipywidgets as widgets
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..certs import CertificateAuthority
from ..credentials import Credentials, load, load_certificates
from ..describe import (
    Description,
    chain_link,
    chain_role,
    describe_certificate,
    describe_key,
    time_left,
)
from ..errors import InvalidArgument, LoadError
from ..lint import PROFILES, PURPOSES, LintReport, lint
from ._style import CHANGED, badge, esc, fields_table, findings_html, lint_summary, pre

__all__ = ["CertificateComparison", "CertificateInspector", "certificates_of"]


def certificates_of(obj: Any) -> tuple[list[x509.Certificate], Any]:
    """The certificates (leaf first) and the private key (or None) in ``obj``.

    Raises:
        InvalidArgument: ``obj`` holds no certificate.
        LoadError: a path or PEM text could not be read.
    """
    if isinstance(obj, x509.Certificate):
        return [obj], None
    if isinstance(obj, Credentials):
        return list(obj.fullchain), obj.key
    if isinstance(obj, CertificateAuthority):
        return [*obj.chain, obj.root], obj.key
    if (
        isinstance(obj, (list, tuple))
        and obj
        and all(isinstance(c, x509.Certificate) for c in obj)
    ):
        return list(obj), None
    if isinstance(obj, (str, bytes, os.PathLike)):
        try:
            creds = load(obj)
        except LoadError:
            return load_certificates(obj), None
        return list(creds.fullchain), creds.key
    raise InvalidArgument(
        f"the inspector cannot show {obj!r} ({type(obj).__name__}); pass a "
        "certificate, a list of certificates, Credentials, a "
        "CertificateAuthority, or a PEM file path"
    )


def _label(cert: x509.Certificate) -> str:
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else cert.subject.rfc4514_string()


class CertificateInspector(widgets.VBox):
    """A widget that explains a certificate, its lint findings and its chain.

    Construct it with anything :func:`tlslab.describe` accepts that holds a
    certificate, or call :meth:`show` later. Choose another member of a
    chain with ``selector``; change ``purpose`` or ``profile`` to lint
    differently. Use from the main thread only.

    Attributes:
        certificates: The certificates shown, leaf first.
        key: The private key that came with them, or None (never displayed).
        description: The :class:`~tlslab.Description` of the selected
            certificate.
        report: The :class:`~tlslab.LintReport` of the selected certificate.
        header, selector, purpose, profile, overview, extensions, lint_view,
        pem_view, chain_view, tabs: The parts, for tests and layouts.

    Raises:
        InvalidArgument: the object holds no certificate, or an unknown
            purpose or profile was given.
    """

    def __init__(
        self, obj: Any = None, *, purpose: str = "server", profile: str = "lab"
    ) -> None:
        if purpose not in PURPOSES or profile not in PROFILES:
            raise InvalidArgument(
                f"purpose={purpose!r}, profile={profile!r}: use a purpose from "
                f"{PURPOSES} and a profile from {PROFILES}"
            )
        self.certificates: list[x509.Certificate] = []
        self.key: Any = None
        self.description: Description | None = None
        self.report: LintReport | None = None
        self.header = widgets.HTML()
        self.selector = widgets.Dropdown(description="Certificate", options=[])
        self.purpose = widgets.Dropdown(
            description="Purpose", options=list(PURPOSES), value=purpose
        )
        self.profile = widgets.Dropdown(
            description="Profile", options=list(PROFILES), value=profile
        )
        self.overview = widgets.HTML()
        self.extensions = widgets.Accordion()
        self.lint_view = widgets.HTML()
        self.pem_view = widgets.HTML()
        self.chain_view = widgets.HTML()
        self.tabs = widgets.Tab(
            children=[
                widgets.VBox([self.overview, self.extensions]),
                self.lint_view,
                self.pem_view,
                self.chain_view,
            ],
            titles=("Fields", "Lint", "PEM", "Chain"),
        )
        controls = widgets.HBox([self.selector, self.purpose, self.profile])
        super().__init__([self.header, controls, self.tabs])
        for control in (self.selector, self.purpose, self.profile):
            control.observe(self._changed, names="value")
        self._quiet = False
        if obj is not None:
            self.show(obj)

    def show(self, obj: Any) -> None:
        """Show a certificate, chain, credentials, CA or PEM file.

        Raises:
            InvalidArgument, LoadError: as :func:`certificates_of`.
        """
        certs, key = certificates_of(obj)
        self.certificates, self.key = certs, key
        self._quiet = True
        try:
            if isinstance(obj, CertificateAuthority):
                self.purpose.value = "ca"
            self.selector.options = [
                (f"[{i}] {_label(c)}", i) for i, c in enumerate(certs)
            ]
            self.selector.value = 0
            self.selector.layout.display = "" if len(certs) > 1 else "none"
        finally:
            self._quiet = False
        self.refresh()

    @property
    def certificate(self) -> x509.Certificate | None:
        """The certificate being shown (the selected member of the chain)."""
        if not self.certificates:
            return None
        return self.certificates[self.selector.value or 0]

    def _changed(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.refresh()

    def refresh(self) -> None:
        """Render the selected certificate again (fields, lint, PEM, chain)."""
        cert = self.certificate
        if cert is None:
            self.header.value = "<i>No certificate yet.</i>"
            return
        index = self.selector.value or 0
        purpose = self.purpose.value if index == 0 else "ca"
        self.description = describe_certificate(cert)
        self.report = lint(cert, purpose, self.profile.value)
        self.header.value = (
            f"<h3 style='margin:4px 0'>{esc(self.description.title)}</h3>"
            f"<div>{esc(time_left(cert))} &middot; checked as {esc(purpose)}: "
            f"{lint_summary(self.report)}</div>"
        )
        self._render_fields(self.description)
        self.lint_view.value = findings_html(self.report)
        pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        self.pem_view.value = pre(pem)
        self.chain_view.value = self._chain_html()

    def _render_fields(self, desc: Description) -> None:
        main = [f for f in desc.fields if f.section != "Extensions"]
        self.overview.value = fields_table(main)
        exts = [f for f in desc.fields if f.section == "Extensions"]
        pool = list(self.extensions.children)
        children = []
        for index, item in enumerate(exts):
            child = pool[index] if index < len(pool) else widgets.HTML()
            child.value = (
                f"{pre(item.value)}<p style='color:#444;margin:4px 0'>"
                f"{esc(item.meaning)}</p>"
            )
            children.append(child)
        for extra in pool[len(exts) :]:
            extra.close()
        self.extensions.children = children
        self.extensions.titles = tuple(
            f"{f.name}{' (critical)' if f.critical else ''}: {f.value[:60]}"
            for f in exts
        )

    def _chain_html(self) -> str:
        rows = []
        certs = self.certificates
        followers = [*certs[1:], None]  # each certificate's successor; none at the end
        for index, (cert, following) in enumerate(zip(certs, followers, strict=True)):
            link = chain_link(cert, following)
            rows.append(
                f"<tr><td>[{index}]</td><td>{esc(chain_role(cert))}</td>"
                f"<td>{esc(cert.subject.rfc4514_string())}</td>"
                f"<td>{esc(cert.issuer.rfc4514_string())}</td>"
                f"<td>{esc(time_left(cert))}</td><td>{esc(link)}</td></tr>"
            )
        table = (
            "<table><thead><tr><th></th><th>role</th><th>subject</th>"
            "<th>issuer</th><th>validity</th><th>link to the next</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>"
        )
        if self.key is None:
            return table
        facts = describe_key(self.key)
        return (
            f"{table}<h4 style='margin:6px 0 2px'>Private key "
            f"(facts only, the secret is never shown)</h4>{fields_table(facts)}"
        )


class CertificateComparison(widgets.VBox):
    """Two certificates side by side, field by field, differences highlighted.

    Attributes:
        left, right: The two certificates compared.
        differences: The names of the fields whose values differ.
        table: The HTML widget holding the comparison.

    Raises:
        InvalidArgument, LoadError: an argument holds no certificate.
    """

    def __init__(
        self,
        left: Any,
        right: Any,
        *,
        labels: tuple[str, str] = ("left", "right"),
        purpose: str = "server",
        profile: str = "lab",
    ) -> None:
        self.left = certificates_of(left)[0][0]
        self.right = certificates_of(right)[0][0]
        ours = describe_certificate(self.left)
        theirs = describe_certificate(self.right)
        left_fields = {(f.section, f.name): f for f in ours.fields}
        right_fields = {(f.section, f.name): f for f in theirs.fields}
        keys = list(left_fields) + [k for k in right_fields if k not in left_fields]
        self.differences: list[str] = []
        rows = []
        for key in keys:
            a, b = left_fields.get(key), right_fields.get(key)
            a_text = a.value if a else "(absent)"
            b_text = b.value if b else "(absent)"
            changed = a_text != b_text or (a and b and a.critical != b.critical)
            if changed:
                self.differences.append(key[1])
            style = f" style='background:{CHANGED}'" if changed else ""
            rows.append(
                f"<tr{style}><td><b>{esc(key[1])}</b></td>"
                f"<td style='font-family:monospace;word-break:break-all'>{esc(a_text)}"
                f"</td><td style='font-family:monospace;word-break:break-all'>"
                f"{esc(b_text)}</td></tr>"
            )
        reports = [lint(c, purpose, profile) for c in (self.left, self.right)]
        rows.append(
            f"<tr><td><b>Lint</b></td><td>{lint_summary(reports[0])}</td>"
            f"<td>{lint_summary(reports[1])}</td></tr>"
        )
        self.reports = reports
        count = len(self.differences)
        summary = badge(f"{count} field{'s' if count != 1 else ''} differ", "#555")
        self.table = widgets.HTML(
            f"<div>{summary} highlighted below</div><table><thead><tr><th>field</th>"
            f"<th>{esc(labels[0])}</th><th>{esc(labels[1])}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        super().__init__([self.table])
