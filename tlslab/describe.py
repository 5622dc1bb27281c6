"""Read a certificate as ordered fields, each with its value and its meaning.

:func:`describe` takes a certificate, a chain, a CSR, credentials, a CA, a
private key, or a PEM file, and returns a :class:`Description`: plain text
when printed, a table in Jupyter, and a list of rows for code. A private key
is described by its facts (kind, size, fingerprint of its public half), never
by its secret numbers.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from .errors import InvalidArgument, PassphraseError

__all__ = ["Description", "Field", "describe", "time_left"]

_SIGNATURE_MEANING = (
    "How the issuer signed this certificate: a hash of its contents, signed "
    "with the issuer's key. Every verifier recomputes it with the issuer's "
    "public key; SHA-1 and MD5 are refused because they can be forged."
)


@dataclass(frozen=True)
class Field:
    """One line of a description.

    Attributes:
        section: The group it belongs to ("Identity", "Validity", "Key",
            "Extensions", ...).
        name: The field's name, like "Serial number".
        value: The value as text.
        meaning: One or two plain sentences: what it means, who checks it.
        critical: For an extension, whether it is marked critical; None
            for other fields.
        data: The value as a Python object (an int, datetime, list of
            names, ...), for code that wants more than text.
    """

    section: str
    name: str
    value: str
    meaning: str
    critical: bool | None = None
    data: Any = field(default=None, compare=False, repr=False)


@dataclass(repr=False)
class Description:
    """What :func:`describe` returns: titled fields, maybe in several parts.

    A chain or a set of credentials has one part per certificate (and one
    for the key); a single certificate has its fields and no parts.

    Attributes:
        title: What was described, like "Certificate for 'localhost'".
        kind: "certificate", "chain", "csr", "credentials", "ca" or "key".
        fields: The fields of this part, in reading order.
        parts: Nested descriptions (chain members, the key, ...).
    """

    title: str
    kind: str
    fields: list[Field] = field(default_factory=list)
    parts: list[Description] = field(default_factory=list)

    def __iter__(self) -> Iterator[Field]:
        """Every field, this part's first and then each nested part's."""
        yield from self.fields
        for part in self.parts:
            yield from part

    def __getitem__(self, name: str) -> Field:
        """The first field called ``name`` (case-insensitive).

        Raises:
            KeyError: no field has that name; the message lists the names.
        """
        for item in self:
            if item.name.lower() == name.lower():
                return item
        names = ", ".join(dict.fromkeys(f.name for f in self))
        raise KeyError(f"no field {name!r}; the fields are: {names}")

    def rows(self) -> list[dict[str, str]]:
        """The fields as a list of dicts: part, section, field, value, meaning."""
        out = [
            {
                "part": self.title,
                "section": f.section,
                "field": f.name,
                "value": f.value,
                "critical": "" if f.critical is None else str(f.critical).lower(),
                "meaning": f.meaning,
            }
            for f in self.fields
        ]
        for part in self.parts:
            out.extend(part.rows())
        return out

    def text(self, *, meanings: bool = True) -> str:
        """The description as plain text, optionally without the meanings."""
        lines = [self.title, "=" * len(self.title)]
        section = None
        for item in self.fields:
            if item.section != section:
                section = item.section
                lines.append(f"[{section}]")
            flag = " (critical)" if item.critical else ""
            lines.append(f"  {item.name}{flag}: {item.value}")
            if meanings:
                lines.append(f"      {item.meaning}")
        for part in self.parts:
            lines.append("")
            lines.append(part.text(meanings=meanings))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        count = sum(1 for _ in self)
        return f"<Description: {self.title} ({count} fields)>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())  # IPython's plain-text view: the full text

    def _repr_html_(self) -> str:
        return description_html(self)


_CELL = (
    "padding:2px 8px;text-align:left;vertical-align:top;white-space:normal;"
    "overflow-wrap:anywhere"
)


def fields_html(fields: Sequence[Field], *, meanings: bool = True) -> str:
    """Fields as one HTML table: a heading row per section, then name,
    value and (optionally) meaning, in columns of fixed width."""
    rows = []
    section = None
    span = 3 if meanings else 2
    for item in fields:
        if item.section != section:
            section = item.section
            rows.append(
                f"<tr><td colspan='{span}' style='{_CELL};padding-top:8px;"
                f"border-bottom:1px solid #ccc'><b>{html.escape(section)}</b></td></tr>"
            )
        flag = " <i>(critical)</i>" if item.critical else ""
        meaning = (
            f"<td style='{_CELL};color:#444'>{html.escape(item.meaning)}</td>"
            if meanings
            else ""
        )
        rows.append(
            f"<tr><td style='{_CELL}'><b>{html.escape(item.name)}</b>{flag}</td>"
            f"<td style='{_CELL};font-family:monospace'>{html.escape(item.value)}"
            f"</td>{meaning}</tr>"
        )
    widths = "<col style='width:12em'><col style='width:22em'>" + (
        "<col>" if meanings else ""
    )
    return (
        "<table style='border-collapse:collapse;table-layout:fixed;width:100%'>"
        f"<colgroup>{widths}</colgroup><tbody>{''.join(rows)}</tbody></table>"
    )


def description_html(desc: Description) -> str:
    """The description as HTML tables, one per part (what Jupyter shows)."""
    body = fields_html(desc.fields) if desc.fields else ""
    parts = "".join(description_html(p) for p in desc.parts)
    return f"<div><h4>{html.escape(desc.title)}</h4>{body}{parts}</div>"


# -- small helpers -----------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _span(delta: dt.timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds >= 86400:
        days = int(seconds // 86400)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(seconds // 3600)
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, int(seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def time_left(cert: x509.Certificate, now: dt.datetime | None = None) -> str:
    """Say where ``now`` falls in the validity: "expires in 89 days", ...

    The three answers are "not valid yet: starts in N days", "expires in N
    days" and "expired N days ago" (hours or minutes when under a day).
    """
    now = now or _now()
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if now < start:
        return f"not valid yet: starts in {_span(start - now)}"
    if now > end:
        return f"expired {_span(now - end)} ago"
    return f"expires in {_span(end - now)}"


def _hex(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


def _serial_hex(serial: int) -> str:
    length = max(1, (serial.bit_length() + 8) // 8)  # DER keeps a sign bit
    raw = serial.to_bytes(length, "big")
    if len(raw) > 1 and raw[0] == 0 and raw[1] < 0x80:
        raw = raw[1:]
    return _hex(raw)


def _name_text(name: x509.Name) -> str:
    return name.rfc4514_string() or "(empty)"


def _common_name(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else None


def key_facts(public: Any) -> tuple[str, int | None]:
    """A public key's kind in words ("RSA", "EC P-256", ...) and size in bits."""
    if isinstance(public, rsa.RSAPublicKey):
        return "RSA", public.key_size
    if isinstance(public, ec.EllipticCurvePublicKey):
        names = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
        return f"EC {names.get(public.curve.name, public.curve.name)}", (
            public.curve.key_size
        )
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(public, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(public, dsa.DSAPublicKey):
        return "DSA", public.key_size
    return type(public).__name__, getattr(public, "key_size", None)


def _spki_sha256(public: Any) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return _hex(digest.finalize())


def _general_name(entry: x509.GeneralName) -> str:
    prefix = {
        x509.DNSName: "DNS",
        x509.IPAddress: "IP",
        x509.RFC822Name: "email",
        x509.UniformResourceIdentifier: "URI",
        x509.DirectoryName: "DirName",
        x509.RegisteredID: "RID",
    }.get(type(entry), "othername")
    value = entry.value
    if isinstance(entry, x509.DirectoryName):
        value = _name_text(value)
    elif isinstance(entry, x509.RegisteredID):
        value = value.dotted_string
    elif isinstance(entry, x509.OtherName):
        value = f"{entry.type_id.dotted_string}:{_hex(entry.value)}"
    return f"{prefix}:{value}"


# -- certificates ------------------------------------------------------------


def _certificate_fields(cert: x509.Certificate, now: dt.datetime | None) -> list[Field]:
    self_issued = cert.issuer == cert.subject
    kind, bits = key_facts(cert.public_key())
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    lifetime = end - start
    fields = [
        Field(
            "Identity",
            "Version",
            f"v{cert.version.value + 1}",
            "The X.509 format version; v3 is the one that can carry extensions, "
            "and TLS clients expect it.",
            data=cert.version.value + 1,
        ),
        Field(
            "Identity",
            "Serial number",
            _serial_hex(cert.serial_number),
            "A number the issuer chose, unique among the certificates it signs; "
            "revocation lists name certificates by it. Random serials make "
            "forged collisions infeasible.",
            data=cert.serial_number,
        ),
        Field(
            "Identity",
            "Signature algorithm",
            _signature_name(cert),
            _SIGNATURE_MEANING,
            data=cert.signature_algorithm_oid.dotted_string,
        ),
        Field(
            "Identity",
            "Issuer",
            _name_text(cert.issuer),
            "Who signed this certificate. A verifier looks for a certificate "
            "with this subject among those it trusts or was sent"
            + (
                "; here it equals the subject, so the certificate is "
                "self-signed and trusted only if this exact certificate is."
                if self_issued
                else "."
            ),
            data=cert.issuer,
        ),
        Field(
            "Validity",
            "Not before",
            f"{start:%Y-%m-%d %H:%M:%S} UTC",
            "The certificate is not valid before this moment; clients compare "
            "it with their own clock, so a slow clock rejects a new certificate.",
            data=start,
        ),
        Field(
            "Validity",
            "Not after",
            f"{end:%Y-%m-%d %H:%M:%S} UTC",
            "The certificate expires at this moment; every client refuses it "
            "afterwards, with an error like 'certificate has expired'.",
            data=end,
        ),
        Field(
            "Validity",
            "Status",
            f"{time_left(cert, now)} (lifetime {_span(lifetime)})",
            "Where today falls in the validity period. Browsers accept at most "
            "398 days of lifetime for a public web server certificate.",
            data=lifetime,
        ),
        Field(
            "Subject",
            "Subject",
            _name_text(cert.subject),
            "Who the certificate is about. Browsers and strict clients match "
            "the host name only against the subjectAltName, not this common "
            "name (CN); some older clients still fall back to the CN.",
            data=cert.subject,
        ),
        Field(
            "Key",
            "Public key",
            kind,
            "The key this certificate vouches for; the holder of the matching "
            "private key proves itself with it during the TLS handshake.",
            data=cert.public_key(),
        ),
        Field(
            "Key",
            "Key size",
            f"{bits} bits" if bits else "unknown",
            _size_meaning(kind, bits),
            data=bits,
        ),
        Field(
            "Key",
            "Fingerprint (SHA-256)",
            _hex(cert.fingerprint(hashes.SHA256())),
            "A hash of the whole certificate: a short way to check, by eye or "
            "by pinning, that two copies are the same certificate.",
        ),
    ]
    for ext in cert.extensions:
        fields.append(extension_field(ext))
    return fields


def _signature_name(cert: x509.Certificate | x509.CertificateSigningRequest) -> str:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", None)
    return name if name and name != "Unknown OID" else oid.dotted_string


def _size_meaning(kind: str, bits: int | None) -> str:
    if kind == "RSA":
        return (
            "RSA keys need 2048 bits or more: OpenSSL's default security level "
            "refuses smaller ones, and 1024-bit keys are within reach of "
            "attackers."
        )
    if kind.startswith("EC"):
        return (
            "An elliptic-curve key of this size is as strong as a far larger "
            "RSA key (P-256 ~ RSA 3072) and much faster to make and use."
        )
    if kind == "Ed25519":
        return "Ed25519 keys have one fixed size, about as strong as RSA 3072."
    return (
        f"{kind} keys are rare in TLS; most clients accept only RSA, EC and "
        "Ed25519 certificates."
    )


def describe_certificate(
    cert: x509.Certificate, *, title: str | None = None, now: dt.datetime | None = None
) -> Description:
    """Describe one certificate (see :func:`describe`)."""
    name = _common_name(cert.subject) or _name_text(cert.subject)
    return Description(
        title or f"Certificate for {name!r}",
        "certificate",
        _certificate_fields(cert, now),
    )


# -- extensions --------------------------------------------------------------

_EXT_TEXT: dict[x509.ObjectIdentifier, tuple[str, str]] = {
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME: (
        "Subject alternative names (SAN)",
        "The names this certificate is valid for. TLS clients match the host "
        "they connected to against these entries: a DNS name against DNS "
        "entries, an IP address only against IP entries.",
    ),
    ExtensionOID.BASIC_CONSTRAINTS: (
        "Basic constraints",
        "Whether this is a CA that may sign other certificates, and how many "
        "CAs may stand below it. Every verifier checks it while building the "
        "chain; a server or client certificate must say CA:FALSE.",
    ),
    ExtensionOID.KEY_USAGE: (
        "Key usage",
        "What the key may do: sign handshakes, encipher keys, sign "
        "certificates or revocation lists. Verifiers check it for each use; "
        "a CA needs keyCertSign.",
    ),
    ExtensionOID.EXTENDED_KEY_USAGE: (
        "Extended key usage",
        "The purposes the certificate serves: serverAuth for TLS servers, "
        "clientAuth for TLS clients. Clients check serverAuth; servers check "
        "clientAuth in mutual TLS.",
    ),
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: (
        "Subject key identifier",
        "A short identifier (a hash) of this certificate's public key. "
        "Verifiers use it to link a certificate to the one it signed; strict "
        "verifiers require it on CA certificates.",
    ),
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: (
        "Authority key identifier",
        "Identifies the key that signed this certificate, so a verifier picks "
        "the right issuer. Strict verifiers (openssl -x509_strict, Python's "
        "VERIFY_X509_STRICT) reject a certificate without it.",
    ),
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: (
        "Authority information access",
        "Where to download the issuer's certificate (caIssuers) and where to "
        "ask whether this one is revoked (OCSP). Browsers use it; most "
        "command-line clients do not.",
    ),
    ExtensionOID.CRL_DISTRIBUTION_POINTS: (
        "CRL distribution points",
        "Where the issuer publishes its list of revoked certificates. Only "
        "clients set up to check revocation fetch it.",
    ),
    ExtensionOID.CERTIFICATE_POLICIES: (
        "Certificate policies",
        "The rules the issuer followed when checking the subject (for "
        "example domain validation). Browsers read them; TLS libraries "
        "mostly ignore them.",
    ),
    ExtensionOID.NAME_CONSTRAINTS: (
        "Name constraints",
        "Limits the names a CA may certify (for example only *.example.test). "
        "Verifiers apply them to every certificate below this CA.",
    ),
    ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS: (
        "Signed certificate timestamps",
        "Proof that the certificate was logged in public Certificate "
        "Transparency logs; Chrome and Safari require it for public sites.",
    ),
}


def extension_field(ext: x509.Extension[Any]) -> Field:
    """One extension as a :class:`Field`; unknown ones are shown raw (hex)."""
    title, meaning = _EXT_TEXT.get(
        ext.oid,
        (
            getattr(ext.oid, "_name", None) or ext.oid.dotted_string,
            "An extension tlslab does not explain. If it is critical, a "
            "verifier that does not know it must reject the certificate.",
        ),
    )
    if title == "Unknown OID":
        title = f"Extension {ext.oid.dotted_string}"
    return Field(
        "Extensions",
        title,
        _extension_value(ext.value),
        meaning,
        critical=ext.critical,
        data=ext.value,
    )


def _extension_value(value: x509.ExtensionType) -> str:
    if isinstance(value, x509.SubjectAlternativeName):
        return ", ".join(_general_name(e) for e in value)
    if isinstance(value, x509.BasicConstraints):
        text = f"CA:{str(value.ca).upper()}"
        if value.path_length is not None:
            text += f", pathlen:{value.path_length}"
        return text
    if isinstance(value, x509.KeyUsage):
        return ", ".join(_key_usages(value)) or "(none)"
    if isinstance(value, x509.ExtendedKeyUsage):
        return ", ".join(getattr(o, "_name", o.dotted_string) for o in value)
    if isinstance(value, x509.SubjectKeyIdentifier):
        return _hex(value.digest)
    if isinstance(value, x509.AuthorityKeyIdentifier):
        parts = []
        if value.key_identifier is not None:
            parts.append(_hex(value.key_identifier))
        if value.authority_cert_issuer:
            issuers = ", ".join(_general_name(e) for e in value.authority_cert_issuer)
            parts.append(f"issuer {issuers}")
        if value.authority_cert_serial_number is not None:
            parts.append(f"serial {_serial_hex(value.authority_cert_serial_number)}")
        return "; ".join(parts) or "(empty)"
    if isinstance(value, x509.AuthorityInformationAccess):
        return ", ".join(
            f"{getattr(d.access_method, '_name', d.access_method.dotted_string)}"
            f" - {_general_name(d.access_location)}"
            for d in value
        )
    if isinstance(value, x509.CRLDistributionPoints):
        return ", ".join(
            _general_name(n) for point in value for n in (point.full_name or [])
        )
    if isinstance(value, x509.UnrecognizedExtension):
        return _hex(value.value)
    return str(value)


def _key_usages(value: x509.KeyUsage) -> list[str]:
    names = [
        ("digital_signature", "digitalSignature"),
        ("content_commitment", "contentCommitment"),
        ("key_encipherment", "keyEncipherment"),
        ("data_encipherment", "dataEncipherment"),
        ("key_agreement", "keyAgreement"),
        ("key_cert_sign", "keyCertSign"),
        ("crl_sign", "cRLSign"),
    ]
    out = [label for attr, label in names if getattr(value, attr)]
    if value.key_agreement:
        if value.encipher_only:
            out.append("encipherOnly")
        if value.decipher_only:
            out.append("decipherOnly")
    return out


# -- requests, keys, credentials, CAs, chains ---------------------------------


def describe_csr(csr: x509.CertificateSigningRequest) -> Description:
    """Describe a certificate signing request (see :func:`describe`)."""
    kind, bits = key_facts(csr.public_key())
    name = _common_name(csr.subject) or _name_text(csr.subject)
    fields = [
        Field(
            "Request",
            "Subject",
            _name_text(csr.subject),
            "The name asked for. The CA decides what ends up in the "
            "certificate; it may ignore or replace any of this.",
        ),
        Field("Request", "Public key", kind, "The key to be certified.", data=bits),
        Field("Request", "Key size", f"{bits} bits", _size_meaning(kind, bits)),
        Field(
            "Request",
            "Signature algorithm",
            _signature_name(csr),
            "The requester signed the request with the private key, proving "
            "it holds the key; the CA checks this signature.",
        ),
        Field(
            "Request",
            "Signature valid",
            "yes" if csr.is_signature_valid else "NO",
            "Whether the signature matches the public key inside; a CA refuses "
            "a request whose signature does not.",
            data=csr.is_signature_valid,
        ),
    ]
    for ext in csr.extensions:
        fields.append(extension_field(ext))
    return Description(f"Certificate request for {name!r}", "csr", fields)


def describe_key(key: Any, *, title: str = "Private key") -> Description:
    """Describe a private key by its facts, never its secret numbers."""
    public = key.public_key()
    kind, bits = key_facts(public)
    fields = [
        Field(
            "Key",
            "Kind",
            kind,
            "The algorithm of the key pair; the certificate names the same kind.",
        ),
        Field("Key", "Key size", f"{bits} bits", _size_meaning(kind, bits), data=bits),
        Field(
            "Key",
            "Public key fingerprint (SHA-256)",
            _spki_sha256(public),
            "A hash of the public half; a certificate for this key shows the "
            "same public key. Safe to share.",
        ),
        Field(
            "Key",
            "Secret part",
            "not shown",
            "The private numbers never leave the key file (mode 0600) and are "
            "never displayed: whoever has them can impersonate the server.",
        ),
    ]
    return Description(title, "key", fields)


def chain_role(cert: x509.Certificate) -> str:
    """A certificate's place in a chain: "root", "CA", "self-signed" or "leaf"."""
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if cert.issuer == cert.subject:
        return "root" if is_ca else "self-signed"
    return "CA" if is_ca else "leaf"


def chain_link(cert: x509.Certificate, following: x509.Certificate | None) -> str:
    """How ``cert`` links to the certificate after it in a chain, in words.

    ``following`` is None for the last certificate sent; a self-signed last
    certificate needs no link, so the answer is then "".
    """
    if following is None:
        if cert.issuer == cert.subject:
            return ""
        return "its issuer is not included: clients must already trust it"
    if cert.issuer != following.subject:
        return "the next certificate is not its issuer: the order is wrong"
    try:
        cert.verify_directly_issued_by(following)
    except (ValueError, TypeError, InvalidSignature):
        return "issuer name matches but the signature does not verify"
    return "signed by the next certificate"


def _chain_parts(
    certs: Sequence[x509.Certificate], now: dt.datetime | None
) -> list[Description]:
    parts = []
    for index, cert in enumerate(certs):
        name = _common_name(cert.subject) or _name_text(cert.subject)
        title = f"[{index}] {chain_role(cert)}: {name!r}"
        parts.append(describe_certificate(cert, title=title, now=now))
    return parts


def describe_chain(
    certs: Sequence[x509.Certificate], *, now: dt.datetime | None = None
) -> Description:
    """Describe certificates in order, as a server would send them."""
    return Description(
        f"Chain of {len(certs)} certificate{'s' if len(certs) != 1 else ''}",
        "chain",
        [],
        _chain_parts(certs, now),
    )


def describe_credentials(creds: Any, *, now: dt.datetime | None = None) -> Description:
    """Describe credentials: the key's facts, the certificate and its chain."""
    names = ", ".join(creds.names) or "no SAN"
    key = describe_key(creds.key)
    key.fields.append(
        Field(
            "Key",
            "Matches the certificate",
            "yes",
            "The key's public half equals the certificate's public key; a "
            "server refuses to start with a key that does not match.",
        )
    )
    return Description(
        f"Credentials for {names}",
        "credentials",
        [],
        [key, *_chain_parts(creds.fullchain, now)],
    )


def describe_ca(ca: Any, *, now: dt.datetime | None = None) -> Description:
    """Describe a certificate authority: its key's facts and its certificates."""
    kind = "root" if ca.parent is None else "intermediate"
    certs = [*ca.chain, ca.root]  # a root's chain is empty: just its certificate
    return Description(
        f"Certificate authority {ca.name!r} ({kind})",
        "ca",
        [],
        [describe_key(ca.key, title="CA private key"), *_chain_parts(certs, now)],
    )


def describe(obj: Any, *, now: dt.datetime | None = None) -> Description:
    """Explain a certificate, chain, CSR, credentials, CA, key or PEM file.

    Args:
        obj: An ``x509.Certificate``, a list of them (a chain, leaf first),
            an ``x509.CertificateSigningRequest``, :class:`~tlslab.Credentials`,
            a :class:`~tlslab.CertificateAuthority`, a private key, or a file
            path / PEM text holding any of these.
        now: The moment to compare the validity with (default: now, UTC).

    Returns:
        A :class:`Description`: ``print()`` it for text, show it in Jupyter
        for a table, or call ``.rows()`` for a list of dicts.

    Raises:
        LoadError: a path or text could not be read.
        InvalidArgument: ``obj`` is none of the things above.
    """
    from .certs import CertificateAuthority
    from .credentials import Credentials

    if isinstance(obj, x509.Certificate):
        return describe_certificate(obj, now=now)
    if isinstance(obj, x509.CertificateSigningRequest):
        return describe_csr(obj)
    if isinstance(obj, Credentials):
        return describe_credentials(obj, now=now)
    if isinstance(obj, CertificateAuthority):
        return describe_ca(obj, now=now)
    if (
        isinstance(obj, (list, tuple))
        and obj
        and all(isinstance(c, x509.Certificate) for c in obj)
    ):
        return describe_chain(obj, now=now)
    if hasattr(obj, "private_bytes") and hasattr(obj, "public_key"):
        return describe_key(obj)
    if isinstance(obj, (str, bytes, os.PathLike)):
        return _describe_source(obj, now)
    raise InvalidArgument(
        f"describe() cannot read {obj!r} ({type(obj).__name__}); pass a "
        "certificate, a list of certificates, a CSR, Credentials, a "
        "CertificateAuthority, a private key, or the path of a PEM file"
    )


def _describe_source(source: Any, now: dt.datetime | None) -> Description:
    from .credentials import load
    from .pemfiles import certificates_in, key_in, read_csr, read_source, split_pem

    data, name = read_source(source)
    labels = {block.label for block in split_pem(data)}
    has_key = any("PRIVATE KEY" in label for label in labels)
    if any("REQUEST" in label for label in labels):
        return describe_csr(read_csr(data))
    if has_key and labels - {"PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}:
        try:
            return describe_credentials(load(data), now=now)
        except PassphraseError:
            pass  # encrypted: describe the certificates alone
    certs = certificates_in(data, name, allow_empty=has_key)
    if len(certs) > 1:
        return describe_chain(certs, now=now)
    if certs:
        return describe_certificate(certs[0], now=now)
    try:
        return describe_key(key_in(data, name))
    except PassphraseError:
        return Description(
            f"Encrypted private key in {name}",
            "key",
            [
                Field(
                    "Key",
                    "Encrypted",
                    "yes",
                    "The key is protected by a passphrase, so its kind and size "
                    "are hidden too; load it with tlslab.key_from_pem(..., "
                    "passphrase=...) and describe that.",
                )
            ],
        )
