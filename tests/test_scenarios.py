"""The broken-certificate catalogue: each case is broken exactly as it says.

Certificates are checked offline here, with cryptography's verifier and with
``openssl verify``; tests/test_scenarios_matrix.py serves every case to every
client.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from tlslab import scenarios

REQUIRED = {
    "good",
    "expired",
    "not-yet-valid",
    "wrong-host",
    "self-signed",
    "untrusted-root",
    "incomplete-chain",
    "wrong-chain-order",
    "no-san",
    "ip-as-dns-name",
    "rsa-1024",
    "sha1-signature",
    "leaf-is-ca",
    "signed-by-leaf",
    "client-only-certificate",
    "client-cert-missing",
    "client-cert-untrusted",
    "tls13-only-server",
    "no-shared-cipher",
}

# What cryptography's strict web-PKI verifier says about each server chain;
# None means it accepts. Cases broken outside the certificate (mutual TLS,
# versions, ciphers) have good certificates.
CRYPTOGRAPHY_VERDICT = {
    "good": None,
    "expired": "not valid at validation time",
    "not-yet-valid": "not valid at validation time",
    "wrong-host": "no matching subjectAltName",
    "self-signed": "candidates exhausted",
    "untrusted-root": "candidates exhausted",
    "incomplete-chain": "candidates exhausted",
    "wrong-chain-order": None,
    "no-san": "missing required extension",
    "ip-as-dns-name": "no matching subjectAltName",
    "no-authority-key-id": "2.5.29.35: Certificate is missing required extension",
    "sha1-signature": "Forbidden signature algorithm",
    "leaf-is-ca": "cA must not be asserted in an EE certificate",
    "signed-by-leaf": "cA must be asserted",
    "client-only-certificate": "required EKU not found",
    "client-cert-missing": None,
    "client-cert-untrusted": None,
    "tls13-only-server": None,
    "no-shared-cipher": None,
}

needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None,
    reason="needs the openssl command: apt-get install openssl",
)


@pytest.fixture(scope="module")
def cases() -> scenarios.Catalogue:
    """One fresh catalogue, built by scenarios.catalogue() for this module."""
    return scenarios.catalogue()


def test_catalogue_has_every_required_case(cases: scenarios.Catalogue) -> None:
    """The catalogue holds at least every case the lab promises."""
    assert set(cases) >= REQUIRED


def test_names_are_stable_kebab_case(cases: scenarios.Catalogue) -> None:
    """Every case name is lower-case kebab-case, and names() lists them in order."""
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in cases)
    assert list(cases) == scenarios.names()


def test_every_case_explains_itself(cases: scenarios.Catalogue) -> None:
    """Each case has a title, what is wrong, who catches it, and a fix."""
    for case in cases.values():
        assert all((case.title, case.wrong, case.caught_by, case.fix)), case.name


def test_catalogue_is_rebuilt_fresh(cases: scenarios.Catalogue) -> None:
    """Two builds share no certificate: nothing is stored between them."""
    again = scenarios.catalogue(["good"])
    assert again["good"].server.cert != cases["good"].server.cert


def test_only_builds_the_cases_named() -> None:
    """catalogue(only=...) builds just those cases, in the order given."""
    assert list(scenarios.catalogue(["expired", "good"])) == ["expired", "good"]


def test_unknown_case_name_is_refused() -> None:
    """Asking for a case that does not exist names it and lists the real ones."""
    with pytest.raises(KeyError, match=r"no case named 'expird'.*expired"):
        scenarios.catalogue(["expird"])


def test_catalogue_lookup_of_unknown_name_explains() -> None:
    """Looking up an unknown name in a catalogue says which names exist."""
    with pytest.raises(KeyError, match=r"no case named 'nope'"):
        scenarios.catalogue(["good"])["nope"]


def test_refusal_cases_say_so(cases: scenarios.Catalogue) -> None:
    """Only the weak-key and weak-digest cases carry a local OpenSSL refusal."""
    refused = {name for name, case in cases.items() if case.refusal}
    assert refused == {"rsa-1024", "sha1-signature"}


def test_catalogue_prints_one_line_per_case(cases: scenarios.Catalogue) -> None:
    """The plain-text catalogue has one line per case, starting with its name."""
    lines = str(cases).splitlines()
    assert [line.split()[0] for line in lines] == list(cases)


def test_catalogue_renders_html(cases: scenarios.Catalogue) -> None:
    """In Jupyter the catalogue is a table with a row per case."""
    assert cases._repr_html_().count("<tr>") == len(cases) + 1


def test_case_prints_its_fix(cases: scenarios.Catalogue) -> None:
    """A case printed alone shows what is wrong and how to fix it."""
    assert "Fix: Renew it" in str(cases["expired"])


def _subject_of(hostname: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        return x509.DNSName(hostname)


@pytest.mark.parametrize(("name", "verdict"), sorted(CRYPTOGRAPHY_VERDICT.items()))
def test_cryptography_verifier_agrees(
    cases: scenarios.Catalogue, name: str, verdict: str | None
) -> None:
    """cryptography's verifier accepts or refuses each server chain as expected."""
    case = cases[name]
    verifier = (
        PolicyBuilder()
        .store(Store([case.trust]))
        .build_server_verifier(_subject_of(case.hostname))
    )
    if verdict is None:
        verifier.verify(case.server.cert, list(case.server.chain))
    else:
        with pytest.raises(VerificationError, match=re.escape(verdict)):
            verifier.verify(case.server.cert, list(case.server.chain))


def test_no_san_names_the_host_only_in_the_common_name(
    cases: scenarios.Catalogue,
) -> None:
    """The no-san leaf has no subjectAltName, and CN=localhost."""
    cert = cases["no-san"].server.cert
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert cert.subject.rfc4514_string() == "CN=localhost"


def test_ip_as_dns_name_has_a_dns_entry(cases: scenarios.Catalogue) -> None:
    """The address sits in the SAN as DNS:127.0.0.1, with no IP entry."""
    san = cases["ip-as-dns-name"].server.cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert list(san.value) == [x509.DNSName("127.0.0.1")]


def test_rsa_1024_has_a_1024_bit_key(cases: scenarios.Catalogue) -> None:
    """The rsa-1024 leaf's public key really is RSA 1024."""
    assert cases["rsa-1024"].server.cert.public_key().key_size == 1024


def test_sha1_signature_is_sha1_and_valid(cases: scenarios.Catalogue) -> None:
    """The re-assembled leaf is signed over SHA-1, and the signature checks out."""
    case = cases["sha1-signature"]
    issuer = case.server.chain[0]
    assert isinstance(case.server.cert.signature_hash_algorithm, hashes.SHA1)
    cert = case.server.cert
    signature = ec.ECDSA(hashes.SHA1())
    issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes, signature)


def test_wrong_chain_order_is_reversed(cases: scenarios.Catalogue) -> None:
    """The chain is sent root-side first: the first intermediate signed the second."""
    first, second = cases["wrong-chain-order"].server.chain
    second.verify_directly_issued_by(first)


def test_incomplete_chain_sends_the_leaf_alone(cases: scenarios.Catalogue) -> None:
    """The incomplete-chain server presents no intermediate."""
    assert cases["incomplete-chain"].server.chain == ()


def _openssl_verify(case: scenarios.Case, tmp_path: Path, *flags: str) -> str:
    """Run openssl verify on the case's server chain; return what it printed."""
    root, leaf, chain = (tmp_path / n for n in ("root.pem", "leaf.pem", "chain.pem"))
    root.write_bytes(case.trust.public_bytes(serialization.Encoding.PEM))
    leaf.write_bytes(case.server.cert_pem())
    chain.write_bytes(case.server.chain_pem())
    command = ["openssl", "verify", "-CAfile", str(root), *flags]
    if case.server.chain:
        command += ["-untrusted", str(chain)]
    done = subprocess.run(
        [*command, str(leaf)], capture_output=True, text=True, timeout=30
    )
    return done.stdout + done.stderr


@needs_openssl
def test_openssl_refuses_rsa_1024_at_level_2(
    cases: scenarios.Catalogue, tmp_path: Path
) -> None:
    """At security level 2, openssl verify calls the 1024-bit key too weak."""
    out = _openssl_verify(cases["rsa-1024"], tmp_path, "-auth_level", "2")
    assert "EE certificate key too weak" in out


@needs_openssl
def test_openssl_refuses_sha1_at_level_2(
    cases: scenarios.Catalogue, tmp_path: Path
) -> None:
    """At security level 2, openssl verify calls the SHA-1 signature too weak."""
    out = _openssl_verify(cases["sha1-signature"], tmp_path, "-auth_level", "2")
    assert "CA signature digest algorithm too weak" in out


@needs_openssl
def test_openssl_strict_refuses_missing_aki(
    cases: scenarios.Catalogue, tmp_path: Path
) -> None:
    """openssl verify -x509_strict refuses the leaf without an AKI."""
    out = _openssl_verify(cases["no-authority-key-id"], tmp_path, "-x509_strict")
    assert "Missing Authority Key Identifier" in out


@needs_openssl
def test_openssl_falls_back_to_the_common_name(
    cases: scenarios.Catalogue, tmp_path: Path
) -> None:
    """openssl verify matches the no-san leaf's CN: the lesson's disagreement."""
    flags = ("-verify_hostname", "localhost")
    assert ": OK" in _openssl_verify(cases["no-san"], tmp_path, *flags)


@needs_openssl
def test_openssl_refuses_a_leaf_as_issuer(
    cases: scenarios.Catalogue, tmp_path: Path
) -> None:
    """openssl verify refuses a chain in which a leaf signed the certificate."""
    out = _openssl_verify(cases["signed-by-leaf"], tmp_path)
    assert "verification failed" in out
