"""Independent verifiers agree that tlslab's root -> intermediate -> leaf is valid.

The chains are made fresh by the session fixtures (EC P-256), and by
``rsa_chain`` below (RSA 2048), then checked by cryptography's verifier, the
openssl command in strict mode, and a real handshake with Python's ssl.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

import tlslab


@pytest.fixture(scope="module")
def rsa_chain() -> tuple[tlslab.CertificateAuthority, tlslab.Credentials]:
    """A root, intermediate and leaf made with RSA 2048 keys."""
    root = tlslab.CertificateAuthority.create("RSA Root", key_type="rsa")
    leaf = root.intermediate("RSA Intermediate", key_type="rsa").issue(
        "localhost", "127.0.0.1", key_type="rsa"
    )
    return root, leaf


def test_cryptography_server_policy_dns(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials
) -> None:
    """cryptography's server verifier accepts the chain for 'localhost'."""
    verifier = (
        PolicyBuilder()
        .store(Store([ca.cert]))
        .build_server_verifier(x509.DNSName("localhost"))
    )
    assert len(verifier.verify(site.cert, list(site.chain))) == 3


def test_cryptography_server_policy_ip(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials
) -> None:
    """cryptography's server verifier accepts the chain for 127.0.0.1."""
    address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    verifier = PolicyBuilder().store(Store([ca.cert])).build_server_verifier(address)
    assert len(verifier.verify(site.cert, list(site.chain))) == 3


def test_cryptography_server_policy_rsa(
    rsa_chain: tuple[tlslab.CertificateAuthority, tlslab.Credentials],
) -> None:
    """cryptography's server verifier accepts an all-RSA chain."""
    root, leaf = rsa_chain
    verifier = (
        PolicyBuilder()
        .store(Store([root.cert]))
        .build_server_verifier(x509.DNSName("localhost"))
    )
    assert len(verifier.verify(leaf.cert, list(leaf.chain))) == 3


def test_cryptography_client_policy(
    ca: tlslab.CertificateAuthority, intermediate: tlslab.CertificateAuthority
) -> None:
    """cryptography's client verifier accepts a client certificate's chain."""
    alice = intermediate.issue("alice", client=True)
    verifier = PolicyBuilder().store(Store([ca.cert])).build_client_verifier()
    result = verifier.verify(alice.cert, list(alice.chain))
    assert result.subjects == [x509.DNSName("alice")]


def test_cryptography_rejects_wrong_name(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials
) -> None:
    """The same verifier refuses another host name, so the test can fail."""
    verifier = (
        PolicyBuilder()
        .store(Store([ca.cert]))
        .build_server_verifier(x509.DNSName("example.test"))
    )
    with pytest.raises(x509.verification.VerificationError):
        verifier.verify(site.cert, list(site.chain))


def openssl_verify(root: x509.Certificate, leaf: tlslab.Credentials, tmp: Path) -> str:
    """Run `openssl verify -x509_strict` with the intermediates as untrusted."""
    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    (tmp / "chain.pem").write_bytes(leaf.chain_pem())
    (tmp / "leaf.pem").write_bytes(leaf.cert_pem())
    command = ["openssl", "verify", "-x509_strict", "-CAfile", str(tmp / "root.pem")]
    command += ["-untrusted", str(tmp / "chain.pem"), "-purpose", "sslserver"]
    command += ["-verify_hostname", "localhost", str(tmp / "leaf.pem")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None,
    reason="the openssl command is not installed (apt-get install openssl)",
)


@needs_openssl
def test_openssl_strict_ec(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials, tmp_path: Path
) -> None:
    """`openssl verify -x509_strict` accepts the EC chain for localhost."""
    assert openssl_verify(ca.cert, site, tmp_path).strip().endswith(": OK")


@needs_openssl
def test_openssl_strict_rsa(
    rsa_chain: tuple[tlslab.CertificateAuthority, tlslab.Credentials],
    tmp_path: Path,
) -> None:
    """`openssl verify -x509_strict` accepts the RSA chain for localhost."""
    root, leaf = rsa_chain
    assert openssl_verify(root.cert, leaf, tmp_path).strip().endswith(": OK")


@needs_openssl
def test_openssl_strict_rejects_wrong_root(
    site: tlslab.Credentials, tmp_path: Path
) -> None:
    """openssl refuses the chain against another root, so the test can fail."""
    stranger = tlslab.CertificateAuthority.create("Stranger Root")
    assert "error" in openssl_verify(stranger.cert, site, tmp_path)


def strict_handshake(
    root: x509.Certificate, leaf: tlslab.Credentials, tmp: Path, hostname: str
) -> str:
    """Serve ``leaf`` with Python's ssl and connect a VERIFY_X509_STRICT client.

    Returns the TLS version the client negotiated.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp / "server.pem").write_bytes(leaf.to_pem())
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp / "server.pem")
    client_context = ssl.create_default_context(
        cadata=root.public_bytes(Encoding.PEM).decode()
    )
    client_context.verify_flags |= ssl.VERIFY_X509_STRICT

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_context.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"Hello, World!")
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            client_context.wrap_socket(raw, server_hostname=hostname) as tls,
        ):
            assert tls.recv(100) == b"Hello, World!"
            return str(tls.version())
    finally:
        thread.join(10)
        listener.close()


def test_ssl_strict_handshake_ec(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials, tmp_path: Path
) -> None:
    """Python's ssl with VERIFY_X509_STRICT completes a real handshake."""
    assert strict_handshake(ca.cert, site, tmp_path, "localhost") == "TLSv1.3"


def test_ssl_strict_handshake_ip(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials, tmp_path: Path
) -> None:
    """The strict handshake also verifies the IP address SAN."""
    assert strict_handshake(ca.cert, site, tmp_path, "127.0.0.1") == "TLSv1.3"


def test_ssl_strict_handshake_rsa(
    rsa_chain: tuple[tlslab.CertificateAuthority, tlslab.Credentials],
    tmp_path: Path,
) -> None:
    """The strict handshake completes with an all-RSA chain."""
    root, leaf = rsa_chain
    assert strict_handshake(root.cert, leaf, tmp_path, "localhost") == "TLSv1.3"


def test_ssl_strict_handshake_wrong_host_fails(
    ca: tlslab.CertificateAuthority, site: tlslab.Credentials, tmp_path: Path
) -> None:
    """The strict client refuses a name the leaf does not carry."""
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        strict_handshake(ca.cert, site, tmp_path, "example.test")
