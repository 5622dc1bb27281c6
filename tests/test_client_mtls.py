"""Mutual TLS: the server requires client certificates from one CA."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from network_helpers import expired_credentials

import tlslab

CLIENTS = ["twisted", "ssl"]


@pytest.fixture(scope="module")
def mtls(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority
) -> Iterator[tlslab.GreetingServer]:
    """A server that requires client certificates issued under the session root."""
    with tlslab.serve_greeting(
        site, require_client_cert=ca, name="test_client_mtls"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def alice(intermediate: tlslab.CertificateAuthority) -> tlslab.Credentials:
    """A client certificate issued by the session intermediate."""
    return intermediate.issue("alice", client=True)


@pytest.mark.parametrize("via", CLIENTS)
def test_client_certificate_accepted(
    mtls: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    alice: tlslab.Credentials,
    via: str,
) -> None:
    """A client with a certificate from the trusted CA gets the greeting."""
    reply = tlslab.fetch_greeting(mtls, trust=ca, client=alice, via=via)
    assert reply.data == b"Hello, World!"


@pytest.mark.parametrize("verify", [True, False])
def test_twisted_client_certificate_without_deprecation_warnings(
    mtls: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    alice: tlslab.Credentials,
    verify: bool,
) -> None:
    """The Twisted client hands pyOpenSSL cryptography objects, not its deprecated
    X509 and PKey."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        if verify:
            tlslab.fetch_greeting(mtls, trust=ca, client=alice)
        else:
            tlslab.fetch_greeting_without_verification(mtls, client=alice)
    assert [str(w.message) for w in caught if "pyOpenSSL" in str(w.message)] == []


def test_server_event_names_the_client(
    mtls: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    alice: tlslab.Credentials,
) -> None:
    """The server's event log records the client certificate's subject."""
    mtls.clear_events()
    tlslab.fetch_greeting(mtls, trust=ca, client=alice)
    greeted = [e for e in mtls.events if e.outcome == "greeted"]
    assert greeted[-1].client_subject == "CN=alice"


@pytest.mark.parametrize("via", CLIENTS)
@pytest.mark.parametrize("max_version", ["1.2", "1.3"])
def test_client_certificate_required(
    mtls: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    via: str,
    max_version: str,
) -> None:
    """A client without a certificate is refused with 'client-cert-required'."""
    with pytest.raises(tlslab.HandshakeError, match="pass client=") as caught:
        tlslab.fetch_greeting(mtls, trust=ca, via=via, max_version=max_version)
    assert caught.value.reason == "client-cert-required"


@pytest.mark.parametrize("via", CLIENTS)
def test_client_certificate_from_another_ca_rejected(
    mtls: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """A certificate from an unrelated CA is refused with 'client-cert-rejected'."""
    mallory = tlslab.CertificateAuthority.create("Mallory CA").issue(
        "mallory", client=True
    )
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(mtls, trust=ca, client=mallory, via=via)
    assert caught.value.reason == "client-cert-rejected"


def test_expired_client_certificate_rejected(
    mtls: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    intermediate: tlslab.CertificateAuthority,
) -> None:
    """An expired client certificate is refused with 'client-cert-rejected'."""
    old = expired_credentials(intermediate, "bob", client=True)
    mtls.clear_events()
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(mtls, trust=ca, client=old)
    assert caught.value.reason == "client-cert-rejected"


def test_server_event_for_missing_client_certificate(
    mtls: tlslab.GreetingServer, ca: tlslab.CertificateAuthority
) -> None:
    """The server records a refused client with reason 'client-cert-required'."""
    mtls.clear_events()
    with pytest.raises(tlslab.HandshakeError):
        tlslab.fetch_greeting(mtls, trust=ca, max_version="1.2")
    assert [e.reason for e in mtls.events] == ["client-cert-required"]


def test_server_event_says_why_the_client_was_rejected(
    mtls: tlslab.GreetingServer,
    ca: tlslab.CertificateAuthority,
    intermediate: tlslab.CertificateAuthority,
) -> None:
    """The server's event for an expired client certificate says it expired."""
    old = expired_credentials(intermediate, "carol", client=True)
    with pytest.raises(tlslab.HandshakeError):
        tlslab.fetch_greeting(mtls, trust=ca, client=old, via="ssl")
    assert "certificate has expired" in mtls.events[-1].detail
