"""Every broken-certificate case, served on loopback and fetched by every client.

The table below is the lab's promise: for each (case, client) pair, whether
the client accepts, or the reason code it refuses with. A trailing ``*``
means the tool itself accepted the certificate and tlslab's fail-closed
identity check refused it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

import tlslab
from tlslab import scenarios
from tlslab.diagnose import REASONS
from tlslab.matrix import WEAK_PROFILE, run_client


def every(label: str) -> dict[str, str]:
    """The same label for every client."""
    return dict.fromkeys(scenarios.CLIENTS, label)


EXPECTED: dict[str, dict[str, str]] = {
    "good": every("accepted"),
    "expired": every("expired"),
    "not-yet-valid": every("not-yet-valid"),
    "wrong-host": every("hostname-mismatch"),
    "self-signed": every("self-signed"),
    "untrusted-root": every("untrusted-issuer"),
    "incomplete-chain": every("incomplete-chain"),
    "wrong-chain-order": every("accepted"),
    "no-san": {**every("no-san"), "openssl": "no-san*", "curl": "no-san*"},
    "ip-as-dns-name": every("hostname-mismatch"),
    "no-authority-key-id": {**every("accepted"), "ssl-strict": "not-rfc5280"},
    "rsa-1024": every("weak-key"),
    "sha1-signature": every("weak-signature"),
    "leaf-is-ca": every("accepted"),
    "signed-by-leaf": every("invalid-ca"),
    "client-only-certificate": every("wrong-purpose"),
    "client-cert-missing": every("client-cert-required"),
    "client-cert-untrusted": every("client-cert-rejected"),
    "tls13-only-server": every("protocol-version"),
    "no-shared-cipher": every("no-shared-cipher"),
}

PAIRS = [(case, client) for case in EXPECTED for client in scenarios.CLIENTS]


class Served:
    """Starts each case's server on first use, and stops them all at the end."""

    def __init__(self) -> None:
        self.cases = scenarios.catalogue()
        self.running: dict[str, scenarios.ScenarioServer] = {}

    def __getitem__(self, name: str) -> scenarios.ScenarioServer:
        if name not in self.running:
            case = self.cases[name]
            profile = WEAK_PROFILE if name == "rsa-1024" else None
            self.running[name] = scenarios.serve(
                case, profile=profile, name=f"tlslab-test-served-{name}"
            )
        return self.running[name]

    def stop(self) -> None:
        for served in self.running.values():
            served.stop()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """One fresh catalogue; each case's greeting server is started when needed."""
    lab = Served()
    yield lab
    lab.stop()


def test_expectations_cover_the_catalogue() -> None:
    """The table below names every case of the catalogue, and nothing else."""
    assert list(EXPECTED) == scenarios.names()


@pytest.mark.parametrize(("name", "client"), PAIRS)
def test_case_and_client(served: Served, name: str, client: str) -> None:
    """The client accepts the case, or refuses it with the expected reason."""
    if client in ("openssl", "curl") and shutil.which(client) is None:
        pytest.skip(f"needs the {client} command: apt-get install {client}")
    verdict = run_client(served[name], client, timeout=5.0)
    assert verdict.label == EXPECTED[name][client], verdict.message


def test_catalogue_reason_is_what_twisted_reports() -> None:
    """Each case's reason is what tlslab's own (Twisted) client reports."""
    cases = scenarios.catalogue()
    expected = {n: c.reason or "accepted" for n, c in cases.items()}
    assert expected == {n: row["twisted"] for n, row in EXPECTED.items()}


def test_refusal_is_a_handshake_error_that_explains(served: Served) -> None:
    """A refusal raises HandshakeError whose message says what expired."""
    with pytest.raises(tlslab.HandshakeError, match=r"'CN=localhost' expired on"):
        served["expired"].fetch(via="twisted")


def test_accepted_case_returns_the_greeting(served: Served) -> None:
    """The baseline case returns the greeting over TLS 1.3."""
    assert served["good"].fetch(via="ssl").data == b"Hello, World!"


def test_rsa_1024_is_refused_by_the_server() -> None:
    """At its default profile the server's OpenSSL refuses the 1024-bit key."""
    case = scenarios.catalogue(["rsa-1024"])["rsa-1024"]
    with pytest.raises(tlslab.InvalidArgument, match=r"ee key too small"):
        scenarios.serve(case)


def test_rsa_1024_is_refused_by_the_core() -> None:
    """tlslab's Credentials refuse the 1024-bit key, and say what to use."""
    server = scenarios.catalogue(["rsa-1024"])["rsa-1024"].server
    with pytest.raises(tlslab.InvalidArgument, match=r"RSA 1024.*bits=2048"):
        tlslab.Credentials(server.key, server.cert)


def test_sha1_is_refused_by_cryptography() -> None:
    """cryptography refuses to sign a certificate over SHA-1."""
    key = tlslab.new_key()
    name = x509.Name.from_rfc4514_string("CN=localhost")
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
        .not_valid_after(dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc))
    )
    with pytest.raises(UnsupportedAlgorithm, match=r"sha1"):
        builder.sign(key, hashes.SHA1())


def test_serving_a_name_builds_the_case() -> None:
    """serve('good') builds the case fresh and serves it."""
    with scenarios.serve("good") as lab:
        assert lab.fetch().data == b"Hello, World!"


def test_serve_refuses_what_is_not_a_case() -> None:
    """serve() of something that is not a case says what to pass."""
    with pytest.raises(tlslab.InvalidArgument, match=r"not a scenario"):
        scenarios.serve(42)  # type: ignore[arg-type]


def test_serving_a_case_again_replaces_its_server(served: Served) -> None:
    """Serving a case a second time stops the first server (one per case)."""
    first = scenarios.serve("good", name="tlslab-test-replace")
    second = scenarios.serve("good", name="tlslab-test-replace")
    second.stop()
    assert not first.server.running


def test_fetch_accepts_a_fix(served: Served) -> None:
    """Trusting the self-signed certificate itself fixes the self-signed case."""
    lab = served["self-signed"]
    assert lab.fetch(trust=lab.case.server.cert).data == b"Hello, World!"


def test_expected_labels_are_known_reasons() -> None:
    """Every reason in the table is one of tlslab.diagnose.REASONS."""
    labels = {label.rstrip("*") for row in EXPECTED.values() for label in row.values()}
    assert labels - {"accepted"} <= set(REASONS)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("rsa-1024", "EE certificate key too weak"),
        ("signed-by-leaf", "invalid CA certificate"),
        ("client-only-certificate", "unsuitable certificate purpose"),
    ],
)
def test_twisted_detail_has_openssl_words(
    served: Served, name: str, words: str
) -> None:
    """The Twisted client's detail carries OpenSSL's verify error, not only
    "certificate verify failed"."""
    with pytest.raises(tlslab.HandshakeError) as caught:
        served[name].fetch(via="twisted")
    assert words in caught.value.detail


def test_ip_as_dns_name_says_which_entry_is_wrong(served: Served) -> None:
    """The message says the address is listed as a DNS name, not an IP entry."""
    with pytest.raises(
        tlslab.HandshakeError,
        match=r"lists the address '127\.0\.0\.1' as a DNS name .* only against IP",
    ):
        served["ip-as-dns-name"].fetch(via="ssl")


def test_weak_signature_names_the_digest(served: Served) -> None:
    """The weak-signature message names the certificate, the digest and the fix."""
    with pytest.raises(
        tlslab.HandshakeError, match=r"'CN=localhost' is signed over SHA-1.*SHA-256"
    ):
        served["sha1-signature"].fetch(via="twisted")


def test_server_event_for_a_certificate_unfit_for_servers(served: Served) -> None:
    """The server's event says the client found its certificate unfit for a server."""
    lab = served["client-only-certificate"]
    before = lab.server.event_count
    with pytest.raises(tlslab.HandshakeError):
        lab.fetch(via="ssl")
    assert lab.server.wait_for_events(before + 1)
    event = lab.server.events[-1]
    assert (event.reason, "serverAuth" in event.detail) == ("rejected-by-client", True)
