"""Find what is wrong with a certificate, say why it matters and how to fix it.

:func:`lint` checks one certificate for a purpose ("server", "client" or
"ca") under a profile ("lab" for the workshop, "public-web" for the rules
browsers apply to public sites) and returns a :class:`LintReport` of
:class:`Finding` objects. Every finding has a stable code, documented in
``docs/lint-codes.md`` together with the zlint check that matches it.
"""

from __future__ import annotations

import datetime as dt
import html
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import InvalidArgument

__all__ = [
    "CODES",
    "PROFILES",
    "PURPOSES",
    "SEVERITIES",
    "Finding",
    "LintReport",
    "lint",
]

PURPOSES = ("server", "client", "ca")
PROFILES = ("lab", "public-web")
SEVERITIES = ("error", "warning", "notice")

#: Every code lint() can report, with a one-line summary.
CODES: dict[str, str] = {
    "no-san": "no subjectAltName extension",
    "cn-not-in-san": "the common name is not among the subjectAltName entries",
    "expired": "the certificate has expired",
    "not-yet-valid": "the certificate is not valid yet",
    "expires-soon": "the certificate expires within 14 days",
    "lifetime-too-long": "the lifetime exceeds the profile's limit",
    "rsa-key-too-small": "an RSA key under 2048 bits",
    "weak-signature-hash": "signed with SHA-1 or MD5",
    "leaf-is-ca": "a server or client certificate with CA:TRUE",
    "no-digital-signature": "a leaf whose key usage lacks digitalSignature",
    "ca-no-basic-constraints": "a CA without basicConstraints CA:TRUE",
    "ca-no-keycertsign": "a CA whose key usage lacks keyCertSign",
    "no-subject-key-id": "no subject key identifier",
    "no-authority-key-id": "no authority key identifier",
    "no-eku": "no extended key usage",
    "wrong-eku": "the extended key usage does not allow the purpose",
    "wildcard-misplaced": "a wildcard anywhere but as the whole leftmost label",
    "ip-as-dns-name": "an IP address written as a DNS name",
    "self-signed-leaf": "a self-signed server or client certificate",
}

_COLOURS = {"error": "#b00020", "warning": "#b26a00", "notice": "#1f5fa8"}
_PUBLIC_WEB_DAYS = 398
_LAB_DAYS = 825


@dataclass(frozen=True)
class Finding:
    """One problem found by :func:`lint`.

    Attributes:
        severity: "error" (clients will refuse it), "warning" (some clients or
            policies will) or "notice" (worth knowing).
        code: A stable short code such as "no-san"; see ``CODES``.
        message: What is wrong with this certificate, in plain words.
        fix: How to fix it, ideally with the tlslab call that does.
    """

    severity: str
    code: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity.upper()} [{self.code}] {self.message} Fix: {self.fix}"


class LintReport:
    """The findings for one certificate, worst first.

    Iterate over it, ask ``len()``, test ``"no-san" in report``, or read
    ``report.codes``. Prints as text; shows as a coloured table in Jupyter.

    Attributes:
        subject: The certificate's subject, for titles.
        purpose: The purpose it was checked for.
        profile: The profile it was checked under.
    """

    def __init__(
        self, findings: list[Finding], *, subject: str, purpose: str, profile: str
    ) -> None:
        order = {name: index for index, name in enumerate(SEVERITIES)}
        self.findings = sorted(findings, key=lambda f: order[f.severity])
        self.subject = subject
        self.purpose = purpose
        self.profile = profile

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __bool__(self) -> bool:
        return bool(self.findings)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __getitem__(self, index: int) -> Finding:
        return self.findings[index]

    @property
    def codes(self) -> list[str]:
        """The codes of the findings, worst first."""
        return [f.code for f in self.findings]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and notices may remain)."""
        return not any(f.severity == "error" for f in self.findings)

    def by_severity(self, severity: str) -> list[Finding]:
        """The findings of one severity: "error", "warning" or "notice"."""
        return [f for f in self.findings if f.severity == severity]

    def rows(self) -> list[dict[str, str]]:
        """The findings as dicts: severity, code, message, fix."""
        return [
            {"severity": f.severity, "code": f.code, "message": f.message, "fix": f.fix}
            for f in self.findings
        ]

    def _title(self) -> str:
        return f"lint {self.subject} as {self.purpose} ({self.profile} profile)"

    def __str__(self) -> str:
        if not self.findings:
            return f"{self._title()}: no findings"
        lines = [f"{self._title()}: {len(self.findings)} finding(s)"]
        lines.extend(f"  {finding}" for finding in self.findings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<LintReport {self.subject} {self.purpose}: {self.codes}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))  # IPython's plain-text view: the full text

    def _repr_html_(self) -> str:
        return report_html(self)


def severity_colour(severity: str) -> str:
    """The colour the widgets and tables use for a severity."""
    return _COLOURS.get(severity, "#333")


def report_html(report: LintReport) -> str:
    """The report as an HTML table, each severity in words and in colour."""
    title = html.escape(report._title())
    if not report.findings:
        return (
            f"<div><b>{title}</b>: <span style='color:#1b7f3b'>no findings</span></div>"
        )
    cell = "padding:2px 8px;text-align:left;vertical-align:top;white-space:normal"
    rows = "".join(
        "<tr>"
        f"<td style='{cell};color:{severity_colour(f.severity)};font-weight:bold'>"
        f"{f.severity.upper()}</td>"
        f"<td style='{cell}'><code>{html.escape(f.code)}</code></td>"
        f"<td style='{cell}'>{html.escape(f.message)}</td>"
        f"<td style='{cell}'>{html.escape(f.fix)}</td></tr>"
        for f in report.findings
    )
    return (
        f"<div><b>{title}</b><table style='table-layout:fixed;width:100%'>"
        "<colgroup><col style='width:7em'><col style='width:13em'><col><col>"
        "</colgroup><thead><tr><th style='text-align:left'>severity</th>"
        "<th style='text-align:left'>code</th><th style='text-align:left'>what "
        "is wrong</th><th style='text-align:left'>fix</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


# -- the checks --------------------------------------------------------------


def _ext(cert: x509.Certificate, cls: type) -> Any:
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def _cert_of(obj: Any) -> x509.Certificate:
    if isinstance(obj, x509.Certificate):
        return obj
    cert = getattr(obj, "cert", None)  # Credentials, CertificateAuthority
    if isinstance(cert, x509.Certificate):
        return cert
    if isinstance(obj, (str, bytes)) or hasattr(obj, "__fspath__"):
        from .pemfiles import read_certificates

        return read_certificates(obj)[0]
    raise InvalidArgument(
        f"lint() cannot check {obj!r} ({type(obj).__name__}); pass a "
        "certificate, Credentials, a CertificateAuthority or a PEM file path"
    )


def lint(
    cert: Any,
    purpose: str | None = None,
    profile: str = "lab",
    *,
    now: dt.datetime | None = None,
) -> LintReport:
    """Check a certificate for the mistakes that make clients refuse it.

    Args:
        cert: An ``x509.Certificate``, :class:`~tlslab.Credentials` (its leaf
            is checked), a :class:`~tlslab.CertificateAuthority` (its own
            certificate), or a PEM file path or text (the first certificate).
        purpose: What the certificate is for: "server", "client" or "ca".
            By default "ca" for a CertificateAuthority and "server" for
            anything else (a leaf that wrongly says CA:TRUE is still checked
            as a server certificate).
        profile: "lab" (the default) is gentle about lifetimes; "public-web"
            applies the browsers' rules, such as at most 398 days.
        now: The moment to check validity at (default: now, UTC).

    Returns:
        A :class:`LintReport`; empty when nothing was found.

    Raises:
        InvalidArgument: an unknown purpose or profile, or ``cert`` is not a
            certificate.
    """
    if purpose is None:
        from .certs import CertificateAuthority

        purpose = "ca" if isinstance(cert, CertificateAuthority) else "server"
    if purpose not in PURPOSES:
        raise InvalidArgument(
            f"purpose={purpose!r} is not one lint() knows; use 'server', "
            "'client' or 'ca'"
        )
    if profile not in PROFILES:
        raise InvalidArgument(
            f"profile={profile!r} is not one lint() knows; use 'lab' or 'public-web'"
        )
    certificate = _cert_of(cert)
    when = now or dt.datetime.now(dt.timezone.utc)
    findings: list[Finding] = []
    for check in (_names, _validity, _key_and_signature, _ca_flags, _key_ids, _eku):
        findings.extend(check(certificate, purpose, profile, when))
    return LintReport(
        findings,
        subject=certificate.subject.rfc4514_string() or "(empty subject)",
        purpose=purpose,
        profile=profile,
    )


def _names(
    cert: x509.Certificate, purpose: str, profile: str, now: dt.datetime
) -> list[Finding]:
    if purpose == "ca":
        return []
    san = _ext(cert, x509.SubjectAlternativeName)
    if san is None:
        return [
            Finding(
                "error",
                "no-san",
                "The certificate has no subjectAltName, the only place "
                "browsers, strict verifiers and tlslab's clients look for the "
                "host name; older clients (curl, openssl, Python's default "
                "ssl context) fall back to the common name, and Twisted 26 "
                "accepts it for any name at all.",
                "Issue it again with the host names and addresses as SAN "
                "entries, e.g. ca.issue('localhost', '127.0.0.1').",
            )
        ]
    findings = []
    dns = [str(v) for v in san.get_values_for_type(x509.DNSName)]
    ips = [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    emails = [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
    known = {n.lower() for n in dns} | set(ips) | {e.lower() for e in emails}
    for cn in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = str(cn.value)
        if value.lower() not in known:
            findings.append(
                Finding(
                    "warning",
                    "cn-not-in-san",
                    f"The common name {value!r} is not among the SAN entries; "
                    "clients will not accept it as a name, which confuses "
                    "anyone reading the certificate.",
                    f"Add {value!r} to the SAN, or use one of the SAN names "
                    "as the common name.",
                )
            )
    for name in dns:
        findings.extend(_dns_findings(name))
    return findings


def _dns_findings(name: str) -> list[Finding]:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return [
            Finding(
                "error",
                "ip-as-dns-name",
                f"The SAN entry DNS:{name} is an IP address written as a DNS "
                "name; clients match an address only against IP entries, so "
                f"connecting to {name} fails.",
                f"Issue the certificate with {name!r} as an IP entry; tlslab "
                "does this when you pass the address as a name.",
            )
        ]
    labels = name.split(".")
    misplaced = any("*" in label for label in labels[1:]) or (
        "*" in labels[0] and labels[0] != "*"
    )
    too_broad = labels[0] == "*" and len(labels) < 3
    if misplaced or too_broad:
        why = (
            "a wildcard may only be the whole leftmost label"
            if misplaced
            else "a wildcard needs at least two labels after it"
        )
        return [
            Finding(
                "error",
                "wildcard-misplaced",
                f"The SAN entry DNS:{name} has a wildcard in the wrong place: "
                f"{why}, so clients match no host with it.",
                "Use a wildcard like '*.example.test', or list the names one by one.",
            )
        ]
    return []


def _validity(
    cert: x509.Certificate, purpose: str, profile: str, now: dt.datetime
) -> list[Finding]:
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    findings = []
    if now > end:
        days = (now - end).days
        findings.append(
            Finding(
                "error",
                "expired",
                f"The certificate expired on {end:%Y-%m-%d} ({days} days ago); "
                "every client refuses it.",
                "Issue a new certificate (or renew it) and reload the server.",
            )
        )
    elif now < start:
        findings.append(
            Finding(
                "error",
                "not-yet-valid",
                f"The certificate is not valid until {start:%Y-%m-%d %H:%M} UTC; "
                "clients refuse it until then (or their clock is behind).",
                "Issue it with a start time in the past (tlslab backdates by "
                "five minutes), or check the clocks.",
            )
        )
    elif end - now < dt.timedelta(days=14):
        findings.append(
            Finding(
                "notice",
                "expires-soon",
                f"The certificate expires on {end:%Y-%m-%d}, in less than 14 days.",
                "Renew it now and reload the server, before clients fail.",
            )
        )
    if purpose == "ca":
        return findings
    days = (end - start).total_seconds() / 86400
    limit = _PUBLIC_WEB_DAYS if profile == "public-web" else _LAB_DAYS
    if days > limit:
        findings.append(
            Finding(
                "error" if profile == "public-web" else "warning",
                "lifetime-too-long",
                f"The lifetime is {days:.0f} days, over the {limit} days the "
                f"{profile} profile allows"
                + (
                    "; browsers and Apple platforms refuse longer ones."
                    if profile == "public-web"
                    else "; long-lived certificates make key compromise and "
                    "forgotten renewals worse."
                ),
                "Issue it with a shorter lifetime, e.g. days=90, and automate renewal.",
            )
        )
    return findings


def _key_and_signature(
    cert: x509.Certificate, purpose: str, profile: str, now: dt.datetime
) -> list[Finding]:
    findings = []
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey) and public.key_size < 2048:
        findings.append(
            Finding(
                "error",
                "rsa-key-too-small",
                f"The key is RSA {public.key_size}; keys under 2048 bits can be "
                "factored by well-funded attackers and OpenSSL's default "
                "security level refuses them.",
                "Make a new key with tlslab.new_key('rsa', bits=2048), or an EC "
                "key, and issue the certificate again.",
            )
        )
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:  # an algorithm cryptography cannot name
        algorithm = None
    if algorithm is not None and algorithm.name in ("sha1", "md5"):
        findings.append(
            Finding(
                "error",
                "weak-signature-hash",
                f"The certificate is signed with {algorithm.name.upper()}, "
                "for which forged certificates have been shown; current "
                "clients refuse it.",
                "Issue it again signed with SHA-256 (tlslab always does).",
            )
        )
    return findings


def _ca_flags(
    cert: x509.Certificate, purpose: str, profile: str, now: dt.datetime
) -> list[Finding]:
    constraints = _ext(cert, x509.BasicConstraints)
    usage = _ext(cert, x509.KeyUsage)
    if purpose != "ca":
        findings = []
        if constraints is not None and constraints.ca:
            findings.append(
                Finding(
                    "error",
                    "leaf-is-ca",
                    f"A {purpose} certificate says CA:TRUE, so its key could "
                    "sign certificates for any name. Strict verifiers "
                    "(cryptography's) refuse it; OpenSSL-based clients accept it.",
                    "Issue the leaf with CA:FALSE (ca.issue() does), and keep "
                    "CA certificates for signing.",
                )
            )
        if usage is not None and not usage.digital_signature:
            findings.append(
                Finding(
                    "warning",
                    "no-digital-signature",
                    "The key usage lacks digitalSignature, yet with TLS 1.3 and "
                    "every forward-secret TLS 1.2 suite the key signs the "
                    "handshake. Some clients (Firefox among them) refuse it; "
                    "OpenSSL-based clients (Python's ssl, curl, Twisted) accept "
                    "it anyway.",
                    "Issue it with digitalSignature in the key usage (tlslab "
                    "always sets it).",
                )
            )
        if cert.issuer == cert.subject and not (constraints and constraints.ca):
            findings.append(
                Finding(
                    "notice",
                    "self-signed-leaf",
                    "The certificate is self-signed: clients trust it only if "
                    "they trust this exact certificate, and it cannot be "
                    "renewed without every client updating.",
                    "Fine for one machine; for more, make a CA with "
                    "tlslab.CertificateAuthority.create() and issue from it.",
                )
            )
        return findings
    findings = []
    if constraints is None or not constraints.ca:
        state = "is missing" if constraints is None else "says CA:FALSE"
        findings.append(
            Finding(
                "error",
                "ca-no-basic-constraints",
                f"basicConstraints {state}, so verifiers will not accept this "
                "certificate as the issuer of any other.",
                "Make the CA with tlslab.CertificateAuthority.create(), which "
                "sets a critical CA:TRUE.",
            )
        )
    if usage is not None and not usage.key_cert_sign:
        findings.append(
            Finding(
                "error",
                "ca-no-keycertsign",
                "The key usage lacks keyCertSign, so verifiers refuse every "
                "certificate this CA signs.",
                "Make the CA again with keyCertSign and cRLSign in its key "
                "usage (CertificateAuthority.create() does).",
            )
        )
    return findings


def _key_ids(
    cert: x509.Certificate, purpose: str, profile: str, now: dt.datetime
) -> list[Finding]:
    findings = []
    if _ext(cert, x509.SubjectKeyIdentifier) is None:
        findings.append(
            Finding(
                "error" if purpose == "ca" else "warning",
                "no-subject-key-id",
                "There is no subject key identifier; strict verifiers (openssl "
                "-x509_strict, Python's VERIFY_X509_STRICT) require it on CA "
                "certificates, and chain building is slower without it.",
                "Issue it again with tlslab, which always adds it.",
            )
        )
    self_issued = cert.issuer == cert.subject
    if _ext(cert, x509.AuthorityKeyIdentifier) is None:
        findings.append(
            Finding(
                "warning" if self_issued else "error",
                "no-authority-key-id",
                "There is no authority key identifier; strict verifiers "
                "(Python 3.13's default VERIFY_X509_STRICT, cryptography's "
                "verifier) reject a certificate without it.",
                "Issue it again with tlslab, which always adds it.",
            )
        )
    return findings


def _eku(
    cert: x509.Certificate, purpose: str, profile: str, now: dt.datetime
) -> list[Finding]:
    if purpose == "ca":
        return []
    wanted = (
        ExtendedKeyUsageOID.SERVER_AUTH
        if purpose == "server"
        else ExtendedKeyUsageOID.CLIENT_AUTH
    )
    label = "serverAuth" if purpose == "server" else "clientAuth"
    eku = _ext(cert, x509.ExtendedKeyUsage)
    if eku is None:
        return [
            Finding(
                "error" if profile == "public-web" else "warning",
                "no-eku",
                f"There is no extended key usage; most clients then accept any "
                f"use, but public CAs must say {label} and strict verifiers "
                "expect it.",
                f"Issue it again with {label} in the extended key usage.",
            )
        ]
    if wanted not in eku and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in eku:
        have = ", ".join(getattr(o, "_name", o.dotted_string) for o in eku)
        fix = (
            "ca.issue(name, client=True)"
            if purpose == "client"
            else "ca.issue(name), or server=True"
        )
        return [
            Finding(
                "error",
                "wrong-eku",
                f"The extended key usage ({have}) does not include {label}, so "
                f"a {purpose} certificate made from it is refused "
                "('unsuitable certificate purpose').",
                f"Issue it for the right purpose: {fix}.",
            )
        ]
    return []
