"""Verifying clients against the greeting server: every success, every reason.

Each case is a real handshake over loopback, with the Twisted client and with
Python's ssl module; the broken servers serve certificates made fresh by
tlslab (and one without a SAN, made with cryptography in network_helpers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from network_helpers import free_port, no_san_credentials, plain_tcp_server

import tlslab
from tlslab import reactor as reactor_module

CLIENTS = ["twisted", "ssl"]
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def server(site: tlslab.Credentials) -> Iterator[tlslab.GreetingServer]:
    """The default server: intermediate profile, the session's site leaf."""
    with tlslab.serve_greeting(site, name="test_client default") as running:
        yield running


@pytest.fixture(scope="module")
def broken(
    ca: tlslab.CertificateAuthority, intermediate: tlslab.CertificateAuthority
) -> Iterator[dict[str, tlslab.GreetingServer]]:
    """One server per certificate fault, each named by the reason it causes."""
    now = dt.datetime.now(dt.timezone.utc)
    leaf = intermediate.issue("localhost", "127.0.0.1")
    other = tlslab.CertificateAuthority.create("tlslab Unrelated Root CA")
    credentials = {
        "expired": intermediate.issue(
            "localhost", not_before=now - 30 * DAY, not_after=now - DAY
        ),
        "not-yet-valid": intermediate.issue(
            "localhost", not_before=now + DAY, not_after=now + 30 * DAY
        ),
        "self-signed": tlslab.self_signed("localhost", "127.0.0.1"),
        "untrusted-issuer": other.intermediate("Unrelated Sub CA").issue("localhost"),
        "incomplete-chain": tlslab.Credentials(leaf.key, leaf.cert),
        "no-san": no_san_credentials(intermediate),
        "hostname-mismatch": intermediate.issue("www.example.com"),
    }
    servers = {
        reason: tlslab.serve_greeting(creds, name=f"test_client {reason}")
        for reason, creds in credentials.items()
    }
    yield servers
    for running in servers.values():
        running.stop()


@pytest.mark.parametrize("via", ["twisted", "ssl", "ssl-strict"])
def test_verified_greeting(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """Every Python client receives the greeting over verified TLS 1.3."""
    reply = tlslab.fetch_greeting(server, trust=ca, via=via)
    assert (reply.data, reply.tls_version, reply.client) == (
        b"Hello, World!",
        "TLSv1.3",
        via,
    )


@pytest.mark.parametrize("via", CLIENTS)
def test_tls12_greeting_uses_ecdhe_aead(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """Capped at TLS 1.2, the client gets an ECDHE suite with AES-GCM or ChaCha20."""
    reply = tlslab.fetch_greeting(server, trust=ca, via=via, max_version="1.2")
    assert reply.tls_version == "TLSv1.2"
    assert reply.cipher.startswith("ECDHE-") and (
        "GCM" in reply.cipher or "CHACHA20" in reply.cipher
    )


@pytest.mark.parametrize("via", CLIENTS)
def test_result_carries_the_chain_and_hostname(
    server: tlslab.GreetingServer,
    site: tlslab.Credentials,
    ca: tlslab.CertificateAuthority,
    via: str,
) -> None:
    """The result shows the chain the server sent and the name that was checked."""
    reply = tlslab.fetch_greeting(server, trust=ca, via=via, hostname="127.0.0.1")
    assert (reply.peer_chain[0], reply.hostname, reply.text) == (
        site.cert,
        "127.0.0.1",
        "Hello, World!",
    )


@pytest.mark.parametrize(
    "reason",
    [
        "expired",
        "not-yet-valid",
        "self-signed",
        "untrusted-issuer",
        "incomplete-chain",
        "no-san",
        "hostname-mismatch",
    ],
)
@pytest.mark.parametrize("via", CLIENTS)
def test_certificate_fault_has_its_reason(
    broken: dict[str, tlslab.GreetingServer],
    ca: tlslab.CertificateAuthority,
    reason: str,
    via: str,
) -> None:
    """Each broken certificate is refused, with the reason that names the fault."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(broken[reason], trust=ca, via=via)
    assert (caught.value.reason, caught.value.client) == (reason, via)


def test_twisted_refuses_a_trusted_certificate_without_san(
    broken: dict[str, tlslab.GreetingServer], ca: tlslab.CertificateAuthority
) -> None:
    """Twisted 26 alone accepts a trusted no-SAN certificate; tlslab refuses it."""
    with pytest.raises(tlslab.HandshakeError, match="has no subjectAltName"):
        tlslab.fetch_greeting(broken["no-san"], trust=ca, via="twisted")


def test_expired_message_says_when_and_how_to_fix(
    broken: dict[str, tlslab.GreetingServer], ca: tlslab.CertificateAuthority
) -> None:
    """The expired message gives the date and points at reload()."""
    with pytest.raises(tlslab.HandshakeError, match=r"expired on .*server\.reload"):
        tlslab.fetch_greeting(broken["expired"], trust=ca)


def test_hostname_mismatch_message_lists_the_names(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority
) -> None:
    """A wrong hostname is refused with the names the certificate does cover."""
    with pytest.raises(
        tlslab.HandshakeError, match=r"is for 'localhost', '127\.0\.0\.1'"
    ):
        tlslab.fetch_greeting(server, trust=ca, hostname="example.org")


@pytest.mark.parametrize("via", CLIENTS)
def test_untrusted_without_trust_argument(
    server: tlslab.GreetingServer, via: str
) -> None:
    """Without trust=, the platform store does not know the lab's CA."""
    with pytest.raises(tlslab.HandshakeError, match="pass trust=") as caught:
        tlslab.fetch_greeting(server, via=via)
    assert caught.value.reason == "untrusted-issuer"


@pytest.mark.parametrize(
    "trust",
    ["ca", "root-cert", "pem-path", "list"],
)
def test_trust_accepts_many_forms(
    server: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    tmp_path,
    trust: str,
) -> None:
    """trust= takes a CA, a certificate, a PEM file or a list of those."""
    path = tmp_path / "root.pem"
    path.write_bytes(ca.cert_pem)
    forms = {"ca": ca, "root-cert": ca.cert, "pem-path": str(path), "list": [ca.cert]}
    assert tlslab.fetch_greeting(server, trust=forms[trust]).data == b"Hello, World!"


def test_self_signed_trusted_as_credentials() -> None:
    """Trusting self-signed credentials themselves makes the classic recipe work."""
    alone = tlslab.self_signed("localhost")
    with tlslab.serve_greeting(alone, name="test_client self-signed ok") as running:
        assert tlslab.fetch_greeting(running, trust=alone).verified


@pytest.mark.parametrize("via", CLIENTS)
def test_protocol_version(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """A TLS 1.2-only client cannot talk to the modern (TLS 1.3) profile."""
    modern = tlslab.serve_greeting(site, profile="modern", name="test_client modern")
    with modern, pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(modern, trust=ca, via=via, max_version="1.2")
    assert caught.value.reason == "protocol-version"


@pytest.mark.parametrize("via", CLIENTS)
def test_no_shared_cipher(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """A TLS 1.2 client offering only CBC suites finds nothing in common."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(
            server, trust=ca, via=via, max_version="1.2", ciphers="ECDHE+AES128+SHA"
        )
    assert caught.value.reason == "no-shared-cipher"


@pytest.mark.parametrize("via", CLIENTS)
def test_refused(via: str) -> None:
    """A port nobody listens on gives reason 'refused'."""
    with pytest.raises(tlslab.HandshakeError, match="connection refused") as caught:
        tlslab.fetch_greeting(("127.0.0.1", free_port()), via=via)
    assert caught.value.reason == "refused"


@pytest.mark.parametrize("via", CLIENTS)
def test_timeout(via: str) -> None:
    """A server that accepts and never answers gives reason 'timeout'."""
    silent = plain_tcp_server(None)
    with silent as address, pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(address, via=via, timeout=0.5)
    assert caught.value.reason == "timeout"


@pytest.mark.parametrize("via", CLIENTS)
def test_not_tls(via: str) -> None:
    """A plain-text service on the port gives reason 'not-tls'."""
    reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    plain = plain_tcp_server(reply)
    with plain as address, pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(address, via=via)
    assert caught.value.reason == "not-tls"


@pytest.mark.parametrize("via", CLIENTS)
def test_without_verification_accepts_anything(
    broken: dict[str, tlslab.GreetingServer], via: str
) -> None:
    """The insecure path reads the greeting from an expired server, and says so."""
    reply = tlslab.fetch_greeting_without_verification(broken["expired"], via=via)
    assert (reply.data, reply.verified) == (b"Hello, World!", False)


def test_target_forms(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority
) -> None:
    """A target may be the server, a (host, port) tuple, or 'host:port'."""
    texts = {
        tlslab.fetch_greeting(target, trust=ca).text
        for target in (server, server.address, f"127.0.0.1:{server.port}")
    }
    assert texts == {"Hello, World!"}


def test_bad_target_is_explained() -> None:
    """Something that is no address is refused with a hint."""
    with pytest.raises(tlslab.InvalidArgument, match="not a server to connect to"):
        tlslab.fetch_greeting("localhost")


def test_unknown_client_is_explained(server: tlslab.GreetingServer) -> None:
    """An unknown via= names the clients there are."""
    with pytest.raises(tlslab.InvalidArgument, match="'twisted', 'ssl'"):
        tlslab.fetch_greeting(server, via="wget")


def _plain_twisted_fetch(address: tuple[str, int], ca: x509.Certificate) -> bytes:
    """Fetch with Twisted's optionsForClientTLS alone, without tlslab's guard."""
    from twisted.internet import defer, protocol, reactor
    from twisted.internet import ssl as tssl
    from twisted.internet.endpoints import (
        SSL4ClientEndpoint,
        connectProtocol,
    )

    class Collect(protocol.Protocol):
        def __init__(self) -> None:
            self.data = b""
            self.done: defer.Deferred[bytes] = defer.Deferred()

        def dataReceived(self, data: bytes) -> None:
            self.data += data

        def connectionLost(self, reason: object = None) -> None:
            self.done.callback(self.data)

    def connect() -> defer.Deferred[bytes]:
        root = tssl.Certificate.loadPEM(ca.public_bytes(serialization.Encoding.PEM))
        options = tssl.optionsForClientTLS("localhost", root)
        endpoint = SSL4ClientEndpoint(reactor, *address, options)
        collect = Collect()
        connected = connectProtocol(endpoint, collect)
        return connected.addCallback(lambda _: collect.done)

    return reactor_module.call(connect, timeout=10, what="a plain Twisted fetch")


def test_upstream_twisted_accepts_no_san(
    broken: dict[str, tlslab.GreetingServer], ca: tlslab.CertificateAuthority
) -> None:
    """Twisted's own optionsForClientTLS accepts the no-SAN server (the README's
    known limitation); when this fails, Twisted fixed it: update the README."""
    assert _plain_twisted_fetch(broken["no-san"].address, ca.cert) == b"Hello, World!"


@pytest.mark.parametrize("via", CLIENTS)
def test_diagnosis_for_an_address_target(
    broken: dict[str, tlslab.GreetingServer],
    ca: tlslab.CertificateAuthority,
    via: str,
) -> None:
    """Given only an address, the client still tells a missing intermediate apart."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(broken["incomplete-chain"].address, trust=ca, via=via)
    assert caught.value.reason == "incomplete-chain"


@pytest.mark.parametrize("via", CLIENTS)
def test_expired_root_is_named_not_the_leaf(via: str) -> None:
    """When only the trusted root has expired, the message says so, not the leaf."""
    now = dt.datetime.now(dt.timezone.utc)
    old_root = tlslab.CertificateAuthority.create(
        "tlslab Expired Root CA", not_before=now - 60 * DAY, not_after=now - DAY
    )
    leaf = old_root.issue("localhost")
    with (
        tlslab.serve_greeting(leaf, name=f"test_client expired root {via}") as running,
        pytest.raises(
            tlslab.HandshakeError, match=r"most likely the root CA"
        ) as caught,
    ):
        tlslab.fetch_greeting(running, trust=old_root, via=via)
    assert caught.value.reason == "expired"
