"""The broken-certificate lab: a catalogue of TLS failures, rebuilt fresh.

Public collections of broken certificates live on the internet and rot: their
certificates expire, and they need a network a workshop may not have. Here
every case is made anew each time it is asked for, by one lab CA, and served
on loopback by a greeting server configured for it::

    >>> from tlslab import scenarios
    >>> cases = scenarios.catalogue()          # every case, fresh certificates
    >>> case = cases["expired"]
    >>> with scenarios.serve(case) as lab:     # doctest: +SKIP
    ...     lab.fetch(via="curl")              # raises HandshakeError "expired"

A :class:`Case` says what is wrong, which client checks catch it, the reason
code tlslab's own client reports, and how to fix it. Most broken certificates
are made by the core (:class:`~tlslab.CertificateAuthority` with past or
future dates, :func:`~tlslab.self_signed`, ...). The core refuses to make some
mistakes on purpose (no subjectAltName, a leaf with CA:TRUE, RSA 1024, SHA-1,
...); those are made with ``cryptography`` directly by the private module
``tlslab._handmade``, whose function names say what they break.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography import x509

from . import _handmade
from .certs import CertificateAuthority, self_signed
from .client import Greeting, fetch_greeting
from .credentials import Credentials
from .errors import InvalidArgument
from .server import GreetingServer, serve_greeting

__all__ = [
    "CLIENTS",
    "Case",
    "Catalogue",
    "ScenarioServer",
    "catalogue",
    "names",
    "serve",
]

logger = logging.getLogger(__name__)

CLIENTS = ("twisted", "ssl", "ssl-strict", "openssl", "curl")
"""Every client the lab points at a case, as ``fetch_greeting(via=...)`` names it."""

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Case:
    """One failure in the catalogue, with the material to serve it.

    Attributes:
        name: A stable kebab-case name, like ``"expired"``.
        title: A short title for a table or a heading.
        wrong: What is wrong, in a sentence or two.
        caught_by: Which client checks catch it (and which do not).
        reason: The ``HandshakeError.reason`` tlslab's own client reports, or
            None when the case is accepted (the baseline, and cases clients
            tolerate).
        fix: How to fix it.
        refusal: When the local OpenSSL refuses to even load the case (a
            weak key or digest at the default security level), what it says:
            that refusal is the lesson. None otherwise.
        server: What the server presents: the key, certificate and chain.
        trust: The trust anchor the client is given.
        hostname: The name the client checks the certificate against.
        client_credentials: What the client presents, for mutual TLS.
        require_client_cert: The CA certificate the server requires client
            certificates from, or None for no mutual TLS.
        profile: The server's TLS profile (``"intermediate"``, ``"modern"``).
        client_options: Extra ``fetch_greeting`` options (``max_version``,
            ``ciphers``) that make the case.
    """

    name: str
    title: str
    wrong: str
    caught_by: str
    reason: str | None
    fix: str
    server: Credentials
    trust: x509.Certificate
    hostname: str = "localhost"
    client_credentials: Credentials | None = None
    require_client_cert: x509.Certificate | None = None
    profile: str = "intermediate"
    client_options: Mapping[str, Any] = field(default_factory=dict)
    refusal: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether tlslab's own client is expected to accept this case."""
        return self.reason is None

    def __str__(self) -> str:
        verdict = "accepted" if self.reason is None else f"refused: {self.reason}"
        lines = [
            f"{self.name}: {self.title} ({verdict})",
            f"  What is wrong: {self.wrong}",
            f"  Caught by: {self.caught_by}",
            f"  Fix: {self.fix}",
        ]
        if self.refusal:
            lines.append(f"  Local OpenSSL: {self.refusal}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        verdict = "accepted" if self.reason is None else f"refused: {self.reason}"
        rows = [
            ("What is wrong", self.wrong),
            ("Caught by", self.caught_by),
            ("Fix", self.fix),
        ]
        if self.refusal:
            rows.append(("Local OpenSSL", self.refusal))
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return (
            f"<b>{html.escape(self.title)}</b> <code>{html.escape(self.name)}</code>"
            f" ({html.escape(verdict)})<table>{body}</table>"
        )


class Catalogue(Mapping[str, Case]):
    """The cases of one :func:`catalogue` call, by name, in teaching order.

    Prints as a plain-text list and shows as a table in Jupyter.
    """

    def __init__(self, cases: Iterable[Case]) -> None:
        self._cases = {case.name: case for case in cases}

    def __getitem__(self, name: str) -> Case:
        try:
            return self._cases[name]
        except KeyError:
            raise KeyError(_unknown(name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._cases)

    def __len__(self) -> int:
        return len(self._cases)

    def __repr__(self) -> str:
        return f"<Catalogue of {len(self)} cases: {', '.join(self)}>"

    def __str__(self) -> str:
        width = max((len(name) for name in self), default=0)
        return "\n".join(
            f"{c.name:<{width}}  {c.reason or 'accepted':<22}  {c.title}"
            for c in self.values()
        )

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th style='text-align:left'>{h}</th>"
            for h in ("case", "title", "expected", "what is wrong", "fix")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td style='text-align:left'>{html.escape(v)}</td>"
                for v in (
                    c.name,
                    c.title,
                    c.reason or "accepted",
                    c.wrong,
                    c.fix,
                )
            )
            + "</tr>"
            for c in self.values()
        )
        return f"<table><tr>{head}</tr>{rows}</table>"


def _unknown(name: object) -> str:
    return (
        f"there is no case named {name!r}; pick one of "
        f"{', '.join(_SPECS)} (see tlslab.scenarios.catalogue())"
    )


class _Lab:
    """The CAs one catalogue build shares, made on first use (EC keys: fast)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    @cached_property
    def root(self) -> CertificateAuthority:
        return CertificateAuthority.create("tlslab Lab Root CA")

    @cached_property
    def issuing(self) -> CertificateAuthority:
        return self.root.intermediate("tlslab Lab Issuing CA")

    @cached_property
    def stranger(self) -> CertificateAuthority:
        return CertificateAuthority.create("tlslab Stranger Root CA")

    def site(self, **options: Any) -> Credentials:
        """A good server leaf for localhost and 127.0.0.1, from the issuing CA."""
        return self.issuing.issue("localhost", "127.0.0.1", **options)


@dataclass(frozen=True)
class _Spec:
    """A case's words, and the function that makes its material."""

    title: str
    wrong: str
    caught_by: str
    reason: str | None
    fix: str
    build: Callable[[_Lab], dict[str, Any]]
    refusal: str | None = None


def _good(lab: _Lab) -> dict[str, Any]:
    return {"server": lab.site()}


def _expired(lab: _Lab) -> dict[str, Any]:
    return {
        "server": lab.site(
            not_before=lab.now - 100 * _DAY, not_after=lab.now - 10 * _DAY
        )
    }


def _not_yet_valid(lab: _Lab) -> dict[str, Any]:
    return {
        "server": lab.site(
            not_before=lab.now + 10 * _DAY, not_after=lab.now + 100 * _DAY
        )
    }


def _wrong_host(lab: _Lab) -> dict[str, Any]:
    return {"server": lab.issuing.issue("shop.example.test")}


def _self_signed(lab: _Lab) -> dict[str, Any]:
    return {"server": self_signed("localhost", "127.0.0.1")}


def _untrusted_root(lab: _Lab) -> dict[str, Any]:
    issuing = lab.stranger.intermediate("tlslab Stranger Issuing CA")
    return {"server": issuing.issue("localhost", "127.0.0.1")}


def _incomplete_chain(lab: _Lab) -> dict[str, Any]:
    site = lab.site()
    return {"server": Credentials(site.key, site.cert, ())}


def _wrong_chain_order(lab: _Lab) -> dict[str, Any]:
    policy = lab.root.intermediate("tlslab Lab Policy CA", path_length=1)
    issuing = policy.intermediate("tlslab Lab Policy Issuing CA")
    site = issuing.issue("localhost", "127.0.0.1")
    return {"server": Credentials(site.key, site.cert, site.chain[::-1])}


def _no_san(lab: _Lab) -> dict[str, Any]:
    return {"server": _handmade.leaf_without_san(lab.issuing, "localhost")}


def _ip_as_dns_name(lab: _Lab) -> dict[str, Any]:
    leaf = _handmade.leaf_with_ip_as_dns_name(lab.issuing, "127.0.0.1")
    return {"server": leaf, "hostname": "127.0.0.1"}


def _no_authority_key_id(lab: _Lab) -> dict[str, Any]:
    return {"server": _handmade.leaf_without_authority_key_id(lab.issuing, "localhost")}


def _rsa_1024(lab: _Lab) -> dict[str, Any]:
    return {"server": _handmade.leaf_with_rsa_1024(lab.issuing, "localhost")}


def _sha1_signature(lab: _Lab) -> dict[str, Any]:
    return {"server": _handmade.resigned_with_sha1(lab.site(), lab.issuing)}


def _leaf_is_ca(lab: _Lab) -> dict[str, Any]:
    return {"server": _handmade.leaf_marked_as_ca(lab.issuing, "localhost")}


def _signed_by_leaf(lab: _Lab) -> dict[str, Any]:
    other_site = lab.issuing.issue("shop.example.test")
    return {"server": _handmade.leaf_signed_by_leaf(other_site, "localhost")}


def _client_only(lab: _Lab) -> dict[str, Any]:
    return {"server": lab.site(client=True)}


def _client_cert_missing(lab: _Lab) -> dict[str, Any]:
    return {"server": lab.site(), "require_client_cert": lab.root.cert}


def _client_cert_untrusted(lab: _Lab) -> dict[str, Any]:
    return {
        "server": lab.site(),
        "require_client_cert": lab.root.cert,
        "client_credentials": lab.stranger.issue("alice", client=True),
    }


def _tls13_only(lab: _Lab) -> dict[str, Any]:
    return {
        "server": lab.site(),
        "profile": "modern",
        "client_options": {"max_version": "1.2"},
    }


def _no_shared_cipher(lab: _Lab) -> dict[str, Any]:
    return {
        "server": lab.site(),
        "client_options": {"max_version": "1.2", "ciphers": _LEGACY_CBC_CIPHERS},
    }


# CBC suites with SHA-1 MACs: what an old client offers, and what Mozilla's
# intermediate profile (forward-secret AEAD suites only) does not accept.
_LEGACY_CBC_CIPHERS = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA"

_OPENSSL_LEVEL = (
    "OpenSSL's default security level (2) wants 112-bit security: RSA keys of "
    "2048 bits or more, and signatures with SHA-256 or better."
)

_SPECS: dict[str, _Spec] = {
    "good": _Spec(
        "The baseline: a good certificate",
        "Nothing: a leaf for localhost and 127.0.0.1, issued by an "
        "intermediate, served with its chain, trusted through the root.",
        "Every check passes, so every client accepts it.",
        None,
        "Nothing to fix; compare every other case with this one.",
        _good,
    ),
    "expired": _Spec(
        "An expired certificate",
        "The certificate's notAfter date lies ten days in the past.",
        "Every client compares the validity period with its own clock.",
        "expired",
        "Renew it before it expires (automate renewal), then reload the server.",
        _expired,
    ),
    "not-yet-valid": _Spec(
        "A certificate that is not yet valid",
        "The certificate's notBefore date lies ten days in the future, as "
        "when a clock is wrong on the machine that issued it.",
        "Every client compares the validity period with its own clock.",
        "not-yet-valid",
        "Fix the clock (use NTP) and reissue; tlslab backdates notBefore "
        "by five minutes to forgive small clock skew.",
        _not_yet_valid,
    ),
    "wrong-host": _Spec(
        "A certificate for another host",
        "The certificate names shop.example.test, but the client asked for localhost.",
        "Every client that checks the host name against the subjectAltName.",
        "hostname-mismatch",
        "Issue the certificate for every name clients use, or use the name "
        "the certificate carries.",
        _wrong_host,
    ),
    "self-signed": _Spec(
        "A self-signed certificate",
        "The certificate signed itself, so no CA the client trusts vouches for it.",
        "Every client that verifies the chain up to a trust anchor.",
        "self-signed",
        "Trust that exact certificate on the client (pin it), or issue the "
        "certificate from a CA the client trusts.",
        _self_signed,
    ),
    "untrusted-root": _Spec(
        "A certificate from an untrusted root",
        "The certificate was issued by a root CA the client does not trust.",
        "Every client that verifies the chain up to a trust anchor.",
        "untrusted-issuer",
        "Give the client the right root certificate (trust=...), or get the "
        "certificate from a CA the client trusts.",
        _untrusted_root,
    ),
    "incomplete-chain": _Spec(
        "An incomplete chain: the intermediate is missing",
        "The server sends its leaf but not the intermediate CA certificate, "
        "so the client cannot link the leaf to the root it trusts.",
        "Every client that does not fetch missing intermediates itself "
        "(browsers sometimes do, via AIA or a cache, which hides the bug).",
        "incomplete-chain",
        "Serve the full chain (Credentials.fullchain_pem()), not the leaf alone.",
        _incomplete_chain,
    ),
    "wrong-chain-order": _Spec(
        "A chain in the wrong order",
        "The server sends its two intermediates root-side first, not each "
        "followed by its issuer as TLS 1.2 (RFC 5246) requires.",
        "Nobody here: OpenSSL sorts the chain itself, and TLS 1.3 (RFC 8446) "
        "allows any order after the leaf; very old clients refused it.",
        None,
        "Serve the leaf, then each certificate's issuer in turn "
        "(Credentials.fullchain_pem() does).",
        _wrong_chain_order,
    ),
    "no-san": _Spec(
        "No subjectAltName: the host name only in the common name",
        "The certificate names its host only in the subject CN, the pre-2000 "
        "way; RFC 6125 and the CA/Browser Forum require a subjectAltName.",
        "Clients that ignore the CN (tlslab's clients, browsers); some "
        "OpenSSL-based tools still fall back to the CN.",
        "no-san",
        "Put every host name in the subjectAltName (tlslab always does).",
        _no_san,
    ),
    "ip-as-dns-name": _Spec(
        "An IP address written as a DNS name",
        "The subjectAltName says DNS:127.0.0.1; an address must be an "
        "iPAddress entry (IP:127.0.0.1) to match a client connecting by "
        "address.",
        "Clients that match addresses only against iPAddress entries (all "
        "OpenSSL-based clients given an address).",
        "hostname-mismatch",
        "Write addresses as IP entries (tlslab's issue() does this for you).",
        _ip_as_dns_name,
    ),
    "no-authority-key-id": _Spec(
        "No authority key identifier",
        "The leaf lacks the authorityKeyIdentifier extension that RFC 5280 "
        "requires, which helps clients find the issuer among several.",
        "Only strict verifiers: Python's ssl with VERIFY_X509_STRICT (the "
        "default from Python 3.13); the others accept it.",
        None,
        "Issue certificates with an authorityKeyIdentifier (tlslab always adds one).",
        _no_authority_key_id,
    ),
    "rsa-1024": _Spec(
        "A 1024-bit RSA key",
        "The leaf's key is RSA 1024, breakable with enough computing power "
        "and refused by the CA/Browser Forum since 2013.",
        "OpenSSL itself, at its default security level: the server refuses to "
        "load the key, and clients refuse it in a chain.",
        "weak-key",
        "Use EC P-256 (tlslab's default) or RSA 2048 or more.",
        _rsa_1024,
        "The server's OpenSSL refuses to load the key ('ee key too small'), "
        "so serve() raises InvalidArgument; tlslab's own Credentials refuse "
        "it too. Served with the deliberately weak 'legacy-insecure' profile, "
        "every client's OpenSSL refuses it: 'EE certificate key too weak'. "
        + _OPENSSL_LEVEL,
    ),
    "sha1-signature": _Spec(
        "A SHA-1 signature",
        "The CA signed the leaf with ECDSA over SHA-1, a hash with practical "
        "collisions (SHAttered, 2017), so such signatures can be forged.",
        "OpenSSL itself, at its default security level: every client refuses "
        "a chain signed over SHA-1.",
        "weak-signature",
        "Sign with SHA-256 or better (tlslab always does).",
        _sha1_signature,
        "cryptography refuses to even sign a certificate over SHA-1 "
        "('Hash algorithm \"sha1\" not supported for signatures'), so the lab "
        "assembles this one by hand; every client's OpenSSL then refuses it: "
        "'CA signature digest algorithm too weak'. " + _OPENSSL_LEVEL,
    ),
    "leaf-is-ca": _Spec(
        "A leaf marked as a CA",
        "The server certificate says basicConstraints CA:TRUE, as if copied "
        "from a CA template: its key could sign certificates for any name.",
        "Not OpenSSL-based clients, which accept it; browsers and "
        "cryptography's verifier refuse it, and tlslab.lint flags it.",
        None,
        "Issue leaves with CA:FALSE (tlslab's issue() does).",
        _leaf_is_ca,
    ),
    "signed-by-leaf": _Spec(
        "A certificate signed by a leaf",
        "A site owner used their own leaf key (for shop.example.test) to sign "
        "a certificate for localhost: the classic basicConstraints attack.",
        "Every client that checks the issuer's basicConstraints CA:TRUE.",
        "invalid-ca",
        "Only CAs may sign certificates; get the certificate from a CA.",
        _signed_by_leaf,
    ),
    "client-only-certificate": _Spec(
        "A client certificate used by a server",
        "The certificate's extendedKeyUsage allows only clientAuth, not "
        "serverAuth, so it may not identify a server.",
        "Every client that checks the extended key usage (purpose).",
        "wrong-purpose",
        "Issue server certificates with serverAuth (issue() without client=True).",
        _client_only,
    ),
    "client-cert-missing": _Spec(
        "Client certificate required, and missing",
        "The server requires mutual TLS, and the client presents no certificate.",
        "The server; the client learns it from the alert.",
        "client-cert-required",
        "Give the client its certificate and key (client=...).",
        _client_cert_missing,
    ),
    "client-cert-untrusted": _Spec(
        "A client certificate from an untrusted CA",
        "The client presents a certificate from a CA the server does not "
        "trust for client certificates.",
        "The server; the client learns it from the alert ('unknown ca').",
        "client-cert-rejected",
        "Issue the client certificate from the CA the server requires.",
        _client_cert_untrusted,
    ),
    "tls13-only-server": _Spec(
        "A TLS 1.3-only server and a TLS 1.2 client",
        "The server accepts only TLS 1.3 (Mozilla's modern profile); the "
        "client offers at most TLS 1.2.",
        "Both sides: no protocol version is shared.",
        "protocol-version",
        "Upgrade the client, or serve Mozilla's intermediate profile "
        "(TLS 1.2 and 1.3).",
        _tls13_only,
    ),
    "no-shared-cipher": _Spec(
        "No shared cipher",
        "The client offers only old CBC cipher suites over TLS 1.2; the server "
        "allows only forward-secret AEAD suites.",
        "Both sides: no cipher suite is shared.",
        "no-shared-cipher",
        "Enable modern suites on the client (or TLS 1.3); never re-enable "
        "weak ones on the server.",
        _no_shared_cipher,
    ),
}


def names() -> list[str]:
    """The names of every case, in teaching order."""
    return list(_SPECS)


def catalogue(only: Iterable[str] | None = None) -> Catalogue:
    """Build the catalogue: every case (or those named) with fresh certificates.

    One lab root CA and issuing CA are made per call and shared by the cases;
    nothing is stored, so certificates never expire between workshops.

    Args:
        only: Names of the cases to build; every case when omitted.

    Raises:
        KeyError: a name is not in the catalogue.
    """
    wanted = list(_SPECS) if only is None else list(only)
    for name in wanted:
        if name not in _SPECS:
            raise KeyError(_unknown(name))
    lab = _Lab()
    return Catalogue(_build(name, lab) for name in wanted)


def _build(name: str, lab: _Lab) -> Case:
    spec = _SPECS[name]
    material = {"trust": lab.root.cert, **spec.build(lab)}
    logger.debug("built scenario %s", name)
    return Case(
        name=name,
        title=spec.title,
        wrong=spec.wrong,
        caught_by=spec.caught_by,
        reason=spec.reason,
        fix=spec.fix,
        refusal=spec.refusal,
        **material,
    )


class ScenarioServer:
    """A greeting server running one case, and what a client should use.

    Made by :func:`serve`. Use it as a context manager, or call :meth:`stop`.

    Attributes:
        case: The case being served.
        server: The running :class:`~tlslab.server.GreetingServer`.
    """

    def __init__(self, case: Case, server: GreetingServer) -> None:
        self.case = case
        self.server = server

    @property
    def trust(self) -> x509.Certificate:
        """The trust anchor to give the client."""
        return self.case.trust

    @property
    def hostname(self) -> str:
        """The name the client should check the certificate against."""
        return self.case.hostname

    @property
    def client_credentials(self) -> Credentials | None:
        """What the client should present (mutual TLS cases), or None."""
        return self.case.client_credentials

    def fetch_options(self, via: str = "twisted") -> dict[str, Any]:
        """The ``fetch_greeting`` keyword arguments that make this case."""
        return {
            "trust": self.case.trust,
            "hostname": self.case.hostname,
            "client": self.case.client_credentials,
            "via": via,
            **self.case.client_options,
        }

    def fetch(
        self, via: str = "twisted", *, timeout: float = 5.0, **changes: Any
    ) -> Greeting:
        """Fetch the greeting with one client, as the case prescribes.

        Keyword arguments of :func:`~tlslab.fetch_greeting` given here
        replace the case's own, to try a fix: ``fetch(trust=other_root)``,
        ``fetch(hostname="shop.example.test")``, ``fetch(client=alice)``.

        Call it from any thread but the reactor's (a notebook cell is fine).

        Raises:
            HandshakeError: the client refused; ``reason`` says why.
            ToolNotInstalled: the client ``via`` names is not installed.
        """
        options = {**self.fetch_options(via), **changes}
        return fetch_greeting(self.server, timeout=timeout, **options)

    def stop(self) -> None:
        """Stop the server (safe to call twice)."""
        self.server.stop()

    def __enter__(self) -> ScenarioServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ScenarioServer {self.case.name!r} at {self.server.url}>"


def serve(
    case: Case | str,
    *,
    profile: str | None = None,
    timeout: float = 5.0,
    name: str | None = None,
) -> ScenarioServer:
    """Start a greeting server on loopback configured for one case.

    Args:
        case: A case from :func:`catalogue`, or a case name (then that case is
            built fresh).
        profile: Serve with this TLS profile instead of the case's own; the
            weak-key cases load only with ``"legacy-insecure"``.
        timeout: The server drops idle or unfinished handshakes after this
            many seconds.
        name: A key for "re-running the cell replaces the server"; by default
            one per case name, so serving a case again replaces its server.

    Call it from any thread but the reactor's (a notebook cell is fine).

    Raises:
        KeyError: ``case`` names no case in the catalogue.
        InvalidArgument: ``case`` is neither a case nor a name, or the
            server's OpenSSL refused to load it (``case.refusal`` says when
            that is the lesson).
    """
    if isinstance(case, str):
        case = catalogue([case])[case]
    if not isinstance(case, Case):
        raise InvalidArgument(
            f"{case!r} is not a scenario; pass a case from "
            "tlslab.scenarios.catalogue(), or a case name such as 'expired'"
        )
    server = serve_greeting(
        case.server,
        require_client_cert=case.require_client_cert,
        profile=profile or case.profile,
        timeout=timeout,
        name=name or f"tlslab-scenario-{case.name}",
    )
    return ScenarioServer(case, server)
