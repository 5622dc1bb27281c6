"""The greeting server's handle: start, stop, replace, reload, profiles."""

from __future__ import annotations

import socket

import pytest
from cryptography import x509
from network_helpers import expired_credentials

import tlslab


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_listens_on_loopback_with_a_free_port(site: tlslab.Credentials) -> None:
    """By default the server takes a free port on 127.0.0.1."""
    with tlslab.serve_greeting(site) as server:
        assert (server.host, server.port > 0, server.running) == (
            "127.0.0.1",
            True,
            True,
        )


def test_repr_is_readable(site: tlslab.Credentials) -> None:
    """The repr says where it listens, what it serves, and whether it runs."""
    with tlslab.serve_greeting(site) as server:
        assert repr(server) == (
            f"<GreetingServer https://127.0.0.1:{server.port}/ serving localhost, "
            "127.0.0.1 (intermediate), running, 0 events>"
        )


def test_stop_releases_the_port(site: tlslab.Credentials) -> None:
    """After stop() the port can be bound again."""
    server = tlslab.serve_greeting(site)
    server.stop()
    assert _port_is_free(server.port)


def test_stop_is_idempotent(site: tlslab.Credentials) -> None:
    """Stopping twice is harmless."""
    server = tlslab.serve_greeting(site)
    server.stop()
    server.stop()
    assert not server.running


def test_context_manager_stops(site: tlslab.Credentials) -> None:
    """Leaving the with block stops the server."""
    with tlslab.serve_greeting(site) as server:
        pass
    assert not server.running


def test_same_name_replaces_the_old_server(site: tlslab.Credentials) -> None:
    """Starting again under the same name stops the server started before."""
    first = tlslab.serve_greeting(site, name="cell 4")
    second = tlslab.serve_greeting(site, name="cell 4")
    with second:
        assert (first.running, second.running) == (False, True)


def test_same_fixed_port_replaces_the_old_server(site: tlslab.Credentials) -> None:
    """Re-running a cell with a fixed port does not fail with 'address in use'."""
    first = tlslab.serve_greeting(site)
    port = first.port
    first.stop()
    again = tlslab.serve_greeting(site, port=port)
    with tlslab.serve_greeting(site, port=port) as third:
        assert (again.running, third.port) == (False, port)


def test_port_taken_by_another_program(site: tlslab.Credentials) -> None:
    """A port held by someone else gives a clear error with the fix."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        port = other.getsockname()[1]
        with pytest.raises(tlslab.InvalidArgument, match="pass port=0"):
            tlslab.serve_greeting(site, port=port)


def test_stop_all(site: tlslab.Credentials) -> None:
    """stop_all() stops every running server."""
    servers = [tlslab.serve_greeting(site) for _ in range(3)]
    tlslab.stop_all()
    assert not any(s.running for s in servers) and not tlslab.running_servers()


def test_reload_switches_certificates(
    site: tlslab.Credentials,
    ca: tlslab.CertificateAuthority,
    intermediate: tlslab.CertificateAuthority,
) -> None:
    """After reload(), new connections get the new certificate, same port."""
    renewed = intermediate.issue("localhost", "127.0.0.1")
    with tlslab.serve_greeting(site) as server:
        before = tlslab.fetch_greeting(server, trust=ca).peer_chain[0]
        server.reload(renewed)
        after = tlslab.fetch_greeting(server, trust=ca).peer_chain[0]
    assert (before, after) == (site.cert, renewed.cert)


def test_reload_to_expired_is_refused_by_clients(
    site: tlslab.Credentials,
    ca: tlslab.CertificateAuthority,
    intermediate: tlslab.CertificateAuthority,
) -> None:
    """Reloading an expired certificate shows at the next connection."""
    stale = expired_credentials(intermediate, "localhost")
    with tlslab.serve_greeting(site) as server:
        server.reload(stale)
        with pytest.raises(tlslab.HandshakeError) as caught:
            tlslab.fetch_greeting(server, trust=ca)
    assert caught.value.reason == "expired"


def test_credentials_from_saved_files(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, tmp_path
) -> None:
    """The server accepts the stem that Credentials.save() wrote."""
    site.save(tmp_path / "site")
    with tlslab.serve_greeting(tmp_path / "site") as server:
        assert tlslab.fetch_greeting(server, trust=ca).data == b"Hello, World!"


def test_mismatched_key_fails_at_start(site: tlslab.Credentials, tmp_path) -> None:
    """A key that does not belong to the certificate fails at serve_greeting."""
    (tmp_path / "cert.pem").write_bytes(site.fullchain_pem())
    (tmp_path / "key.pem").write_bytes(tlslab.key_to_pem(tlslab.new_key("ec")))
    mixed = str(tmp_path / "mixed.pem")
    with open(mixed, "wb") as out:
        out.write((tmp_path / "key.pem").read_bytes() + site.fullchain_pem())
    with pytest.raises(tlslab.KeyMismatchError, match="does not belong"):
        tlslab.serve_greeting(mixed)


def test_not_credentials_is_explained() -> None:
    """Passing something else than credentials says what to pass."""
    with pytest.raises(tlslab.InvalidArgument, match="are not credentials"):
        tlslab.serve_greeting(42)  # type: ignore[arg-type]


def test_unknown_profile_is_explained(site: tlslab.Credentials) -> None:
    """An unknown profile name lists the profiles there are."""
    with pytest.raises(tlslab.InvalidArgument, match="'intermediate', 'modern'"):
        tlslab.serve_greeting(site, profile="strict")


def test_custom_greeting(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority
) -> None:
    """The greeting may be any text."""
    with tlslab.serve_greeting(site, greeting="Bonjour") as server:
        assert tlslab.fetch_greeting(server, trust=ca).text == "Bonjour"


def test_modern_profile_speaks_only_tls13(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority
) -> None:
    """The modern profile negotiates TLS 1.3."""
    with tlslab.serve_greeting(site, profile="modern") as server:
        assert tlslab.fetch_greeting(server, trust=ca).tls_version == "TLSv1.3"


@pytest.mark.parametrize("via", ["twisted", "ssl"])
def test_legacy_profile_accepts_tls10(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """The legacy-insecure profile lets an old TLS 1.0 client in."""
    with tlslab.serve_greeting(site, profile="legacy-insecure") as server:
        reply = tlslab.fetch_greeting(
            server, trust=ca, via=via, min_version="1.0", max_version="1.0"
        )
    assert reply.tls_version == "TLSv1"


@pytest.mark.parametrize("via", ["twisted", "ssl"])
def test_default_profile_refuses_tls11(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """A TLS 1.1 client is refused by the default profile: 'protocol-version'."""
    with (
        tlslab.serve_greeting(site) as server,
        pytest.raises(tlslab.HandshakeError) as caught,
    ):
        tlslab.fetch_greeting(server, trust=ca, via=via, max_version="1.1")
    assert caught.value.reason == "protocol-version"


def test_greeted_event(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority
) -> None:
    """A successful fetch leaves one 'greeted' event with version and cipher."""
    with tlslab.serve_greeting(site) as server:
        tlslab.fetch_greeting(server, trust=ca)
        event = server.events[-1]
    assert (event.outcome, event.tls_version, event.cipher) == (
        "greeted",
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
    )


def test_failed_event_explains(
    site: tlslab.Credentials,
) -> None:
    """A client that does not trust the CA shows as 'untrusted-issuer' on the server."""
    other = tlslab.CertificateAuthority.create("Someone Else")
    with tlslab.serve_greeting(site) as server:
        with pytest.raises(tlslab.HandshakeError):
            tlslab.fetch_greeting(server, trust=other, via="ssl")
        event = server.events[-1]
    assert (event.outcome, event.reason) == ("failed", "untrusted-issuer")


def test_events_are_not_printed(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, capfd
) -> None:
    """Server events go to server.events and logging, never to stdout/stderr."""
    with tlslab.serve_greeting(site) as server:
        tlslab.fetch_greeting(server, trust=ca)
        with pytest.raises(tlslab.HandshakeError):
            tlslab.fetch_greeting(server, trust=ca, hostname="wrong.example")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_serves_the_chain(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority
) -> None:
    """The server sends its certificate and the intermediate."""
    with tlslab.serve_greeting(site) as server:
        chain = tlslab.fetch_greeting(server, trust=ca).peer_chain
    assert [c.subject for c in chain] == [c.subject for c in site.fullchain]
    assert isinstance(chain[0], x509.Certificate)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
@pytest.mark.parametrize("via", ["twisted", "ssl"])
def test_ipv6_loopback(ca: tlslab.CertificateAuthority, via: str) -> None:
    """A server on ::1 works, and checks "localhost" by default."""
    site6 = ca.issue("localhost", "::1")
    with tlslab.serve_greeting(site6, host="::1") as server:
        reply = tlslab.fetch_greeting(server, trust=ca, via=via)
    assert (server.url.startswith("https://[::1]:"), reply.hostname) == (
        True,
        "localhost",
    )
