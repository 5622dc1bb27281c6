"""Why did a handshake fail? From library errors to one reason and its fix.

Clients report failures in their own words: Twisted says "certificate verify
failed" for an expired, an untrusted and a self-signed certificate alike,
Python's ``ssl`` gives an X509 error number, ``openssl`` and ``curl`` print
text. This module turns what they said, plus the certificates the server sent,
into one :class:`~tlslab.errors.HandshakeError` with a short ``reason`` code and
a message that says what happened and how to fix it.

Pure functions; any thread may call them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from .errors import HandshakeError

__all__ = ["REASONS", "classify", "describe_server_failure", "has_san"]

# OpenSSL's X509_V_ERR_* numbers that tlslab explains (OpenSSL 3.x numbering;
# 1.1.1 used 24 for INVALID_CA, which 3.x gave to NO_ISSUER_PUBLIC_KEY, so 24
# is recognised by its words only).
NOT_YET_VALID = 9
EXPIRED = 10
DEPTH_ZERO_SELF_SIGNED = 18
SELF_SIGNED_IN_CHAIN = 19
NO_LOCAL_ISSUER = 20
NO_ISSUER = 2
CANNOT_VERIFY_LEAF = 21
PATH_LENGTH_EXCEEDED = 25
INVALID_PURPOSE = 26
KEYUSAGE_NO_CERTSIGN = 32
HOSTNAME_MISMATCH = 62
IP_MISMATCH = 64
EE_KEY_TOO_SMALL = 66
CA_KEY_TOO_SMALL = 67
CA_MD_TOO_WEAK = 68
INVALID_CA = 79
# 80-94: the checks only VERIFY_X509_STRICT makes (PATHLEN_INVALID_FOR_NON_CA
# ... EC_KEY_EXPLICIT_PARAMS), e.g. 85 MISSING_AUTHORITY_KEY_IDENTIFIER.
MISSING_AUTHORITY_KEY_IDENTIFIER = 85
MISSING_SUBJECT_KEY_IDENTIFIER = 86
STRICT_ONLY = range(80, 95)

REASONS = (
    "expired",
    "not-yet-valid",
    "hostname-mismatch",
    "untrusted-issuer",
    "self-signed",
    "incomplete-chain",
    "no-san",
    "weak-key",
    "weak-signature",
    "invalid-ca",
    "wrong-purpose",
    "not-rfc5280",
    "verify-failed",
    "client-cert-required",
    "client-cert-rejected",
    "protocol-version",
    "no-shared-cipher",
    "not-tls",
    "connection-closed",
    "refused",
    "timeout",
    "failed",
)

# Verification errors with a reason of their own, by OpenSSL's number.
_CODE_REASONS = {
    NOT_YET_VALID: "not-yet-valid",
    EXPIRED: "expired",
    DEPTH_ZERO_SELF_SIGNED: "self-signed",
    SELF_SIGNED_IN_CHAIN: "untrusted-issuer",
    EE_KEY_TOO_SMALL: "weak-key",
    CA_KEY_TOO_SMALL: "weak-key",
    CA_MD_TOO_WEAK: "weak-signature",
    INVALID_CA: "invalid-ca",
    KEYUSAGE_NO_CERTSIGN: "invalid-ca",
    PATH_LENGTH_EXCEEDED: "invalid-ca",
    INVALID_PURPOSE: "wrong-purpose",
    **dict.fromkeys(STRICT_ONLY, "not-rfc5280"),
}

# The same, by OpenSSL's words (curl gives no number; older OpenSSL numbers
# differ). Checked in order, on text lowercased with "_" and "-" as spaces.
_TEXT_REASONS = (
    ("certificate has expired", "expired"),
    ("certificate is not yet valid", "not-yet-valid"),
    ("self signed certificate in certificate chain", "untrusted-issuer"),
    ("self signed certificate", "self-signed"),
    ("key too weak", "weak-key"),
    ("key too small", "weak-key"),
    ("digest algorithm too weak", "weak-signature"),
    ("md too weak", "weak-signature"),
    ("invalid ca certificate", "invalid-ca"),
    ("key usage does not include certificate signing", "invalid-ca"),
    ("path length constraint exceeded", "invalid-ca"),
    ("unsuitable certificate purpose", "wrong-purpose"),
    ("invalid for non ca", "not-rfc5280"),
    ("path length given without key usage", "not-rfc5280"),
    ("name empty", "not-rfc5280"),
    ("missing authority key identifier", "not-rfc5280"),
    ("missing subject key identifier", "not-rfc5280"),
    ("empty subject alternative name", "not-rfc5280"),
    ("subject empty and subject alt name", "not-rfc5280"),
    ("not marked critical", "not-rfc5280"),
    ("key identifier marked critical", "not-rfc5280"),
    ("does not include key usage extension", "not-rfc5280"),
    ("requires at least x509v3", "not-rfc5280"),
    ("explicit ecc parameters", "not-rfc5280"),
)
_NO_ISSUER_TEXT = (
    "unable to get local issuer",
    "unable to get issuer",
    "unable to verify the first certificate",
)
_MISMATCH_TEXT = (
    "hostname mismatch",
    "host name mismatch",
    "ip address mismatch",
    "no alternative certificate subject name",
)

_FIX = {
    "untrusted-issuer": "pass trust= the root CA that issued the server's chain",
    "client-cert-required": (
        "pass client= credentials issued by a CA the server trusts (its "
        "require_client_cert=)"
    ),
    "protocol-version": (
        "allow a version the server speaks (min_version=/max_version=), or "
        "serve a profile that speaks yours"
    ),
    "no-shared-cipher": (
        "offer the server's suites (drop ciphers=), or serve a profile that "
        "accepts yours"
    ),
}


def has_san(cert: x509.Certificate) -> bool:
    """Whether the certificate has a subjectAltName extension."""
    try:
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return False
    return True


def san_names(cert: x509.Certificate) -> list[str]:
    """The subjectAltName entries of ``cert`` as text (empty without a SAN)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(entry.value) for entry in san]


def _who(cert: x509.Certificate) -> str:
    return repr(cert.subject.rfc4514_string() or "an empty subject")


def _the_certificate(cert: x509.Certificate | None) -> str:
    """How messages name ``cert``: the certificate and its subject, or the
    server's certificate when the client could not say which one."""
    return f"the certificate {_who(cert)}" if cert else "the server's certificate"


def _first_missing_issuer(chain: Sequence[x509.Certificate]) -> int | None:
    """Index of the first sent certificate whose issuer was not sent too."""
    subjects = {c.subject for c in chain}
    for index, cert in enumerate(chain):
        if cert.issuer != cert.subject and cert.issuer not in subjects:
            return index
    return None


def _weak_key(chain: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The first certificate whose key is under 112-bit security."""
    for cert in chain:
        try:
            key = cert.public_key()
        except (UnsupportedAlgorithm, ValueError):
            continue
        if isinstance(key, (rsa.RSAPublicKey, dsa.DSAPublicKey)) and (
            key.key_size < 2048
        ):
            return cert
        if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < 224:
            return cert
    return None


def _weak_signature(
    chain: Sequence[x509.Certificate],
) -> tuple[x509.Certificate, str] | None:
    """The first certificate signed over a digest weaker than SHA-224."""
    for cert in chain:
        try:
            digest = cert.signature_hash_algorithm
        except UnsupportedAlgorithm:
            continue
        if digest is not None and digest.name in _WEAK_DIGESTS:
            return cert, _WEAK_DIGESTS[digest.name]
    return None


_WEAK_DIGESTS = {"sha1": "SHA-1", "md5": "MD5"}


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca


def _false_issuer(chain: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The first certificate in the chain that issued another, yet is no CA."""
    issuers = {c.issuer for c in chain if c.issuer != c.subject}
    for cert in chain[1:]:
        if cert.subject in issuers and not _is_ca(cert):
            return cert
    return None


_SERVER_USAGES = {
    ExtendedKeyUsageOID.SERVER_AUTH,
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}


def _not_for_servers(chain: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The first certificate whose extendedKeyUsage excludes serverAuth."""
    for cert in chain:
        try:
            usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        except x509.ExtensionNotFound:
            continue
        if not _SERVER_USAGES & set(usages.value):
            return cert
    return None


def _dns_entry_for_address(leaf: x509.Certificate, hostname: str) -> bool:
    """Whether ``hostname`` is an address that the leaf lists as a DNS name."""
    try:
        address = ipaddress.ip_address(hostname)
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (ValueError, x509.ExtensionNotFound):
        return False
    if address in san.value.get_values_for_type(x509.IPAddress):
        return False
    return hostname in san.value.get_values_for_type(x509.DNSName)


def _time_problem(
    chain: Sequence[x509.Certificate], *, future: bool
) -> x509.Certificate | None:
    now = dt.datetime.now(dt.timezone.utc)
    for cert in chain:
        if future and cert.not_valid_before_utc > now:
            return cert
        if not future and cert.not_valid_after_utc < now:
            return cert
    return None


def _verify_reason(
    code: int | None, chain: Sequence[x509.Certificate], text: str
) -> str | None:
    """The reason for an X509 verification failure, from its number or words."""
    words = text.replace("-", " ")
    if code in (NO_ISSUER, NO_LOCAL_ISSUER, CANNOT_VERIFY_LEAF) or (
        not code and any(t in words for t in _NO_ISSUER_TEXT)
    ):
        missing = _first_missing_issuer(chain)
        if missing == 0 and len(chain) == 1:
            return "incomplete-chain"
        return "untrusted-issuer"
    if code in (HOSTNAME_MISMATCH, IP_MISMATCH) or (
        not code and any(t in words for t in _MISMATCH_TEXT)
    ):
        if chain and not has_san(chain[0]):
            return "no-san"
        return "hostname-mismatch"
    if code in _CODE_REASONS:
        return _CODE_REASONS[code]
    for needle, reason in _TEXT_REASONS:
        if needle in words:
            return reason
    if code:
        return "verify-failed"
    if "verify failed" in words or "certificate problem" in words:
        return "verify-failed"
    return None


def _alert_reason(text: str, *, client_cert: bool, ciphers: bool) -> str | None:
    """The reason for an alert the server sent, or a local protocol error."""
    if "certificate required" in text or "peer did not return a certificate" in text:
        return "client-cert-required"
    if client_cert and any(
        alert in text
        for alert in (
            "alert unknown ca",
            "alert bad certificate",
            "alert certificate unknown",
            "alert certificate expired",
            "alert unsupported certificate",
            "alert certificate revoked",
            "alert decrypt error",
            "alert access denied",
        )
    ):
        return "client-cert-rejected"
    if any(
        t in text
        for t in (
            "protocol version",
            "unsupported protocol",
            "no protocols available",
            "version too low",
            "tlsv1 alert protocol",
        )
    ):
        return "protocol-version"
    if any(
        t in text
        for t in ("no shared cipher", "no ciphers available", "insufficient security")
    ):
        return "no-shared-cipher"
    if "handshake failure" in text:
        return "no-shared-cipher" if ciphers or client_cert else "client-cert-required"
    if any(
        t in text
        for t in (
            "wrong version number",
            "packet length too long",
            "record layer failure",
            "http request",
            "unknown protocol",
            "record too long",
        )
    ):
        return "not-tls"
    if any(
        t in text
        for t in ("unexpected eof", "connection lost", "connection reset", "closed")
    ):
        return "connection-closed"
    return None


def _message(
    reason: str,
    chain: Sequence[x509.Certificate],
    hostname: str,
    address: str,
    detail: str,
) -> str:
    leaf = chain[0] if chain else None
    if reason == "expired":
        cert = _time_problem(chain, future=False)
        if cert is None and chain:
            # Nothing the server sent has expired: the client's own trust
            # anchor (a root CA it was given) must be the one.
            return (
                "a certificate this client trusts has expired (none that the "
                "server sent has, so it is most likely the root CA given as "
                "trust=); make a new CA, issue the server a new certificate "
                "from it, and trust the new root"
            )
        when = f" on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC" if cert else ""
        return (
            f"{_the_certificate(cert)} expired{when}; issue a new one and give it "
            "to the server with server.reload(new_credentials)"
        )
    if reason == "not-yet-valid":
        cert = _time_problem(chain, future=True)
        if cert is None and chain:
            return (
                "a certificate this client trusts is not valid yet (none that "
                "the server sent is, so it is most likely the root CA given as "
                "trust=); check the clocks, or make the CA with a not_before "
                "in the past"
            )
        when = (
            f" until {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC" if cert else " yet"
        )
        return (
            f"{_the_certificate(cert)} is not valid{when}; check the clocks, or "
            "issue it with a not_before in the past"
        )
    if reason == "self-signed":
        who = f" {_who(leaf)}" if leaf else ""
        return (
            f"the server's certificate{who} is self-signed and not trusted "
            "here; pass trust= that very certificate, or serve one issued by a "
            "CA you trust"
        )
    if reason == "untrusted-issuer":
        top = chain[-1] if chain else None
        issuer = repr(top.issuer.rfc4514_string()) if top else "its issuer"
        return (
            f"the server's chain leads to {issuer}, which this client does not "
            f"trust; {_FIX['untrusted-issuer']}"
        )
    if reason == "incomplete-chain":
        issuer = repr(leaf.issuer.rfc4514_string()) if leaf else "its issuer"
        return (
            f"the server sent its certificate without the intermediate CA "
            f"{issuer} that issued it, so the chain cannot reach a trusted root; "
            "serve credentials that include their chain (Credentials.chain), "
            f"as the full chain file does (if {issuer} is a root CA, pass it "
            "as trust= instead)"
        )
    if reason == "no-san":
        return (
            f"{_the_certificate(leaf)} has no subjectAltName, so it names no host "
            f"and cannot prove it is {hostname!r} (clients ignore the common "
            "name); issue a certificate with the names in its SAN"
        )
    if (
        reason == "hostname-mismatch"
        and leaf
        and _dns_entry_for_address(leaf, hostname)
    ):
        return (
            f"the certificate lists the address {hostname!r} as a DNS name "
            f"(DNS:{hostname}), and clients match an address only against IP "
            f"address entries (IP:{hostname}); issue a certificate with the "
            "address as an IP entry, as tlslab's issue() does"
        )
    if reason == "hostname-mismatch":
        names = san_names(leaf) if leaf else []
        listed = ", ".join(map(repr, names)) or "other names"
        return (
            f"the certificate is for {listed}, not for {hostname!r}; connect "
            f"with hostname= one of those, or issue a certificate that "
            f"includes {hostname!r}"
        )
    if reason == "weak-key":
        cert = _weak_key(chain)
        who = f"the certificate {_who(cert)}" if cert else "a certificate in the chain"
        return (
            f"{who} has a key too weak for this client's OpenSSL ({detail}); "
            "issue it with an EC P-256 key (tlslab's default) or RSA of 2048 "
            "bits or more"
        )
    if reason == "weak-signature":
        found = _weak_signature(chain)
        who = (
            f"the certificate {_who(found[0])} is signed over {found[1]}"
            if found
            else "a certificate in the chain is signed over a weak digest"
        )
        return (
            f"{who}, which this client's OpenSSL no longer accepts ({detail}); "
            "have the CA sign it again with SHA-256 or better"
        )
    if reason == "invalid-ca":
        cert = _false_issuer(chain)
        who = (
            f"{_who(cert)}, which is not a CA (no basicConstraints CA:TRUE),"
            if cert
            else "a certificate that may not sign certificates"
        )
        return (
            f"the server's chain was signed by {who} so it vouches for nothing "
            f"({detail}); get the certificate from a real CA, whose "
            "certificate says CA:TRUE and keyCertSign"
        )
    if reason == "wrong-purpose":
        cert = _not_for_servers(chain) or leaf
        return (
            f"{_the_certificate(cert)} may not identify a TLS server: its "
            f"extendedKeyUsage lacks serverAuth ({detail}); issue server "
            "certificates with serverAuth (issue() without client=True)"
        )
    if reason == "not-rfc5280":
        return (
            f"a strict verifier (VERIFY_X509_STRICT) refused the chain: it "
            f"breaks a rule of RFC 5280 that lenient clients let pass "
            f"({detail}); issue it with the standard extensions (tlslab's "
            "issue() adds them) and check it with tlslab.lint()"
        )
    if reason == "verify-failed":
        return (
            f"the server's certificate failed verification ({detail}); look at "
            "it with tlslab.describe() and tlslab.lint()"
        )
    if reason == "client-cert-rejected":
        return (
            f"the server refused this client's certificate ({detail}); pass "
            "client= credentials issued by the CA the server's "
            "require_client_cert= trusts, still valid, and made for clients "
            "(ca.issue(name, client=True) gives the clientAuth usage)"
        )
    if reason == "client-cert-required":
        return (
            "the server requires a client certificate (mutual TLS) and this "
            f"client sent none; {_FIX['client-cert-required']}"
        )
    if reason == "protocol-version":
        return (
            f"client and server share no TLS version ({detail}); "
            f"{_FIX['protocol-version']}"
        )
    if reason == "no-shared-cipher":
        return (
            f"client and server share no cipher suite ({detail}); "
            f"{_FIX['no-shared-cipher']}"
        )
    if reason == "not-tls":
        return (
            f"{address} does not speak TLS ({detail}); check the port, or use "
            "a plain client for a plain service"
        )
    if reason == "connection-closed":
        return (
            f"{address} closed the connection before the handshake finished "
            f"({detail}); look at the server's events for its side of the story"
        )
    if reason == "refused":
        return (
            f"nothing accepts connections on {address} (connection refused); "
            "start the server, or check the port (server.port)"
        )
    if reason == "timeout":
        return (
            f"{address} did not finish the TLS exchange in time ({detail}); "
            "check that a TLS server runs there, or pass a longer timeout="
        )
    return f"the TLS connection to {address} failed: {detail}"


def classify(
    client: str,
    *,
    address: str,
    hostname: str,
    detail: str,
    verify_code: int | None = None,
    chain: Sequence[x509.Certificate] = (),
    client_cert: bool = False,
    ciphers: bool = False,
    reason: str | None = None,
    tool_accepted: bool = False,
) -> HandshakeError:
    """Build the HandshakeError for a failed connection.

    Args:
        client: Which client failed (``"twisted"``, ``"ssl"``, ...).
        address: ``"host:port"`` for messages.
        hostname: The name the client checked.
        detail: What the underlying library said.
        verify_code: OpenSSL's X509 verification error number, if known.
        chain: The certificates the server sent, leaf first, if known.
        client_cert: Whether the client offered a certificate.
        ciphers: Whether the client restricted its cipher suites.
        reason: A reason already known (skips the guessing).
        tool_accepted: The client itself accepted the server; only tlslab's
            own check refused it.
    """
    text = detail.lower().replace("_", " ")
    if reason is None:
        reason = (
            _verify_reason(verify_code, chain, text)
            if (verify_code or "verify failed" in text or "mismatch" in text)
            else None
        )
    if reason is None:
        reason = _alert_reason(text, client_cert=client_cert, ciphers=ciphers)
    if reason is None:
        reason = "failed"
    message = _message(reason, chain, hostname, address, detail)
    return HandshakeError(
        reason,
        f"{client}: {message}",
        client=client,
        detail=detail,
        tool_accepted=tool_accepted,
    )


# Failures the server saw, checked in order: (OpenSSL's words, reason, sentence).
_SERVER_FAILURES = (
    (
        "peer did not return a certificate",
        "client-cert-required",
        "the client sent no certificate, and this server requires one",
    ),
    (
        "certificate verify failed",
        "client-cert-rejected",
        "the client's certificate did not verify against require_client_cert",
    ),
    (
        "alert unknown ca",
        "untrusted-issuer",
        "the client does not trust the CA that issued this server's certificate",
    ),
    (
        "alert certificate expired",
        "expired",
        "the client says a certificate in this server's chain has expired",
    ),
    (
        "alert bad certificate",
        "rejected-by-client",
        "the client rejected this server's certificate",
    ),
    (
        "alert certificate unknown",
        "rejected-by-client",
        "the client rejected this server's certificate",
    ),
    (
        "alert unsupported certificate",
        "rejected-by-client",
        "the client refused this server's certificate as unfit for a TLS "
        "server (an extendedKeyUsage without serverAuth)",
    ),
    (
        "alert internal error",
        "rejected-by-client",
        "the client aborted the handshake, most likely after rejecting this "
        "server's certificate in its own checks (tlslab's Twisted client "
        "does so for a wrong host name or a missing SAN)",
    ),
    (
        "no shared cipher",
        "no-shared-cipher",
        "the client offered no cipher suite this profile accepts",
    ),
    (
        "unsupported protocol",
        "protocol-version",
        "the client offered only TLS versions this profile refuses",
    ),
    (
        "version too low",
        "protocol-version",
        "the client offered only TLS versions this profile refuses",
    ),
    (
        "protocol version",
        "protocol-version",
        "client and server share no TLS version",
    ),
    ("http request", "plain-http", "the client spoke plain HTTP to a TLS port"),
    ("wrong version number", "not-tls", "the client did not speak TLS"),
    (
        "unexpected eof",
        "connection-closed",
        "the client hung up before the handshake finished",
    ),
)


def describe_server_failure(detail: str) -> tuple[str, str]:
    """A reason code and one plain sentence for a failure the server saw.

    Returns:
        ``(reason, explanation)``; the reason is from the client's point of
        view where that is clear (``"untrusted-issuer"`` for an "unknown ca"
        alert from the client).
    """
    text = detail.lower().replace("_", " ")
    for needle, reason, explanation in _SERVER_FAILURES:
        if needle in text:
            return reason, explanation
    return "failed", f"the handshake failed: {detail}"
