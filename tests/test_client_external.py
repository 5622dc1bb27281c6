"""openssl s_client and curl against the greeting server, as a learner would."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from network_helpers import expired_credentials, free_port, no_san_credentials

import tlslab

needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None,
    reason="openssl is not installed; apt-get install openssl",
)
needs_curl = pytest.mark.skipif(
    shutil.which("curl") is None, reason="curl is not installed; apt-get install curl"
)
TOOLS = [
    pytest.param("openssl", marks=needs_openssl),
    pytest.param("curl", marks=needs_curl),
]


@pytest.fixture(scope="module")
def server(site: tlslab.Credentials) -> Iterator[tlslab.GreetingServer]:
    """The default server: intermediate profile, the session's site leaf."""
    with tlslab.serve_greeting(site, name="test_client_external") as running:
        yield running


@pytest.fixture(scope="module")
def ca_file(ca: tlslab.CertificateAuthority, tmp_path_factory) -> str:
    """The session root written as a PEM file, as a learner would save it."""
    path = tmp_path_factory.mktemp("trust") / "root.pem"
    path.write_bytes(ca.cert_pem)
    return str(path)


def _s_client(port: int, ca_file: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "openssl",
            "s_client",
            "-connect",
            f"127.0.0.1:{port}",
            "-servername",
            "localhost",
            "-verify_return_error",
            "-CAfile",
            ca_file,
            "-verify_hostname",
            "localhost",
            "-ign_eof",
            *extra,
        ],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=10,
        check=False,
    )


@needs_openssl
def test_openssl_command_receives_the_greeting(
    server: tlslab.GreetingServer, ca_file: str
) -> None:
    """The plain openssl command line verifies the server and prints the greeting."""
    done = _s_client(server.port, ca_file)
    assert b"Hello, World!" in done.stdout and b"Verify return code: 0" in done.stdout


@needs_openssl
def test_openssl_command_tls11_is_refused(
    server: tlslab.GreetingServer, ca_file: str
) -> None:
    """The same command with -tls1_1 is refused by the intermediate profile."""
    done = _s_client(server.port, ca_file, "-tls1_1")
    assert done.returncode != 0 and b"Hello, World!" not in done.stdout


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_receives_the_greeting(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """fetch_greeting(via=openssl/curl) returns the same result shape."""
    reply = tlslab.fetch_greeting(server, trust=ca, via=tool)
    assert (reply.data, reply.tls_version, reply.client) == (
        b"Hello, World!",
        "TLSv1.3",
        tool,
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_tls12(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """Capped at TLS 1.2, the tools negotiate TLS 1.2."""
    reply = tlslab.fetch_greeting(server, trust=ca, via=tool, max_version="1.2")
    assert reply.tls_version == "TLSv1.2"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_with_client_certificate(
    site: tlslab.Credentials,
    ca: tlslab.CertificateAuthority,
    intermediate: tlslab.CertificateAuthority,
    tool: str,
) -> None:
    """The tools present a client certificate for mutual TLS."""
    alice = intermediate.issue("alice", client=True)
    with tlslab.serve_greeting(site, require_client_cert=ca) as mtls:
        reply = tlslab.fetch_greeting(mtls, trust=ca, client=alice, via=tool)
    assert reply.text == "Hello, World!"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_expired(
    intermediate: tlslab.CertificateAuthority,
    ca: tlslab.CertificateAuthority,
    tool: str,
) -> None:
    """An expired server certificate gives reason 'expired' with the tools too."""
    old = expired_credentials(intermediate, "localhost")
    with (
        tlslab.serve_greeting(old) as server,
        pytest.raises(tlslab.HandshakeError) as caught,
    ):
        tlslab.fetch_greeting(server, trust=ca, via=tool)
    assert caught.value.reason == "expired"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_hostname_mismatch(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """A wrong hostname gives reason 'hostname-mismatch' with the tools too."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(server, trust=ca, via=tool, hostname="example.org")
    assert caught.value.reason == "hostname-mismatch"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_untrusted(server: tlslab.GreetingServer, tool: str) -> None:
    """A CA the tool does not trust gives reason 'untrusted-issuer'."""
    other = tlslab.CertificateAuthority.create("Another Root")
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(server, trust=other, via=tool)
    assert caught.value.reason == "untrusted-issuer"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_no_san_is_refused(
    intermediate: tlslab.CertificateAuthority,
    ca: tlslab.CertificateAuthority,
    tool: str,
) -> None:
    """Where a tool falls back to the common name, tlslab still refuses, and
    says the tool itself accepted it."""
    server = tlslab.serve_greeting(no_san_credentials(intermediate))
    with server, pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(server, trust=ca, via=tool)
    assert (caught.value.reason, caught.value.tool_accepted) == ("no-san", True)


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_protocol_version(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """A TLS 1.2-only tool cannot talk to the modern profile."""
    with (
        tlslab.serve_greeting(site, profile="modern") as modern,
        pytest.raises(tlslab.HandshakeError) as caught,
    ):
        tlslab.fetch_greeting(modern, trust=ca, via=tool, max_version="1.2")
    assert caught.value.reason == "protocol-version"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_refused(tool: str) -> None:
    """A closed port gives reason 'refused' with the tools too."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(("127.0.0.1", free_port()), via=tool)
    assert caught.value.reason == "refused"


@pytest.mark.parametrize("tool", ["openssl", "curl"])
def test_missing_tool(
    server: tlslab.GreetingServer, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    """A tool that is not on PATH raises ToolNotInstalled with an install hint."""
    monkeypatch.setenv("PATH", "")
    with pytest.raises(tlslab.ToolNotInstalled, match="apt-get install"):
        tlslab.fetch_greeting(server, via=tool)


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_legacy_tls10(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """The tools speak TLS 1.0 to the legacy-insecure profile when asked."""
    with tlslab.serve_greeting(site, profile="legacy-insecure") as legacy:
        reply = tlslab.fetch_greeting(
            legacy, trust=ca, via=tool, min_version="1.0", max_version="1.0"
        )
    assert reply.tls_version == "TLSv1"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_tls11_refused_by_default_profile(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """A TLS 1.1-only tool is refused by the default profile."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        tlslab.fetch_greeting(server, trust=ca, via=tool, max_version="1.1")
    assert caught.value.reason == "protocol-version"


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_reports_the_chain_of_an_address_target(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, tool: str
) -> None:
    """Given only an address, the result still carries the chain the server sent."""
    reply = tlslab.fetch_greeting(server.address, trust=ca, via=tool)
    assert [c.subject for c in reply.peer_chain] == [
        c.subject for c in server.credentials.fullchain
    ]
