"""lint(): each code fires on a certificate with the fault, not on one without.

tlslab's core refuses to make most of these faults, so the faulty
certificates are built here with cryptography directly. cryptography also
refuses to sign with SHA-1 or MD5; those certificates are made by signing
with SHA-256, swapping the algorithm identifier in the DER for the weak one,
and signing the changed to-be-signed part again with the weak hash (which
cryptography's raw RSA signing still allows). The result is a genuine
SHA-1 (or MD5) certificate whose signature verifies.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import tlslab
from tlslab.lint import CODES

SERVER = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT = ExtendedKeyUsageOID.CLIENT_AUTH
NOW = dt.datetime.now(dt.timezone.utc)
_EC_KEY = tlslab.new_key("ec")
_RSA_KEY = tlslab.new_key("rsa")
_SIGNER = tlslab.CertificateAuthority.create("tlslab Lint Test CA", key_type="ec")

_NOT_CA = x509.BasicConstraints(False, None)
_LEAF_USAGE = x509.KeyUsage(
    True, False, False, False, False, False, False, False, False
)
_CA_USAGE = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
_NO_SIGN_USAGE = x509.KeyUsage(
    True, False, False, False, False, False, True, False, False
)
_ENCIPHER_ONLY = x509.KeyUsage(
    False, False, True, False, False, False, False, False, False
)


def _cert(
    *,
    cn: str = "localhost",
    sans: tuple[x509.GeneralName, ...] | None = (x509.DNSName("localhost"),),
    key=_EC_KEY,
    self_signed: bool = False,
    basic: x509.BasicConstraints | None = _NOT_CA,
    usage: x509.KeyUsage | None = _LEAF_USAGE,
    eku: list | None = (SERVER,),
    ski: bool = True,
    aki: bool = True,
    start: dt.datetime = NOW - dt.timedelta(days=1),
    days: float = 90,
) -> x509.Certificate:
    """A certificate with exactly the parts asked for, signed by the test CA."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    signer_key = key if self_signed else _SIGNER.key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if self_signed else _SIGNER.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
    )
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), False)
    if basic is not None:
        builder = builder.add_extension(basic, critical=True)
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), False)
    if ski:
        ident = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        builder = builder.add_extension(ident, critical=False)
    if aki:
        aki_ext = x509.AuthorityKeyIdentifier.from_issuer_public_key(
            signer_key.public_key()
        )
        builder = builder.add_extension(aki_ext, critical=False)
    return builder.sign(signer_key, tlslab.keys.signature_hash(signer_key))


def _tlv_end(der: bytes, offset: int) -> tuple[int, int]:
    """End of the DER element at ``offset``, and the length of its header."""
    first = der[offset + 1]
    if first < 0x80:
        return offset + 2 + first, 2
    count = first & 0x7F
    length = int.from_bytes(der[offset + 2 : offset + 2 + count], "big")
    return offset + 2 + count + length, 2 + count


def _weak_signed(hash_name: str) -> x509.Certificate:
    """A self-signed RSA certificate re-signed with SHA-1 or MD5 (see above)."""
    good = _cert(key=_RSA_KEY, self_signed=True)
    der = good.public_bytes(serialization.Encoding.DER)
    sha256_rsa = bytes.fromhex("06092a864886f70d01010b")
    weak = {"sha1": "05", "md5": "04"}[hash_name]
    der = der.replace(sha256_rsa, sha256_rsa[:-1] + bytes.fromhex(weak))
    _, outer_header = _tlv_end(der, 0)
    tbs_end, _ = _tlv_end(der, outer_header)
    algorithm = hashes.SHA1() if hash_name == "sha1" else hashes.MD5()
    signature = _RSA_KEY.sign(der[outer_header:tbs_end], padding.PKCS1v15(), algorithm)
    return x509.load_der_x509_certificate(der[: -len(signature)] + signature)


# Each case: code -> (purpose, profile, faulty certificate, clean certificate).
CASES: dict[str, tuple[str, str, Callable[[], x509.Certificate], Callable]] = {
    "no-san": ("server", "lab", lambda: _cert(sans=None), _cert),
    "cn-not-in-san": (
        "server",
        "lab",
        lambda: _cert(cn="www.lab.test"),
        lambda: _cert(cn="localhost"),
    ),
    "expired": (
        "server",
        "lab",
        lambda: _cert(start=NOW - dt.timedelta(days=100), days=30),
        _cert,
    ),
    "not-yet-valid": (
        "server",
        "lab",
        lambda: _cert(start=NOW + dt.timedelta(days=2)),
        _cert,
    ),
    "expires-soon": (
        "server",
        "lab",
        lambda: _cert(start=NOW - dt.timedelta(days=80), days=85),
        _cert,
    ),
    "lifetime-too-long": (
        "server",
        "public-web",
        lambda: _cert(days=400),
        lambda: _cert(days=398),
    ),
    "rsa-key-too-small": (
        "server",
        "lab",
        lambda: _cert(key=rsa.generate_private_key(65537, 1024)),
        lambda: _cert(key=_RSA_KEY),
    ),
    "weak-signature-hash": (
        "server",
        "lab",
        lambda: _weak_signed("sha1"),
        lambda: _cert(key=_RSA_KEY, self_signed=True),
    ),
    "leaf-is-ca": (
        "server",
        "lab",
        lambda: _cert(basic=x509.BasicConstraints(True, None)),
        _cert,
    ),
    "ca-no-basic-constraints": (
        "ca",
        "lab",
        lambda: _cert(basic=None, usage=_CA_USAGE, eku=None),
        lambda: _SIGNER.cert,
    ),
    "ca-no-keycertsign": (
        "ca",
        "lab",
        lambda: _cert(basic=x509.BasicConstraints(True, 0), usage=_NO_SIGN_USAGE),
        lambda: _SIGNER.cert,
    ),
    "no-digital-signature": (
        "client",
        "lab",
        lambda: _cert(usage=_ENCIPHER_ONLY, eku=[CLIENT]),
        lambda: _cert(eku=[CLIENT]),
    ),
    "no-subject-key-id": ("server", "lab", lambda: _cert(ski=False), _cert),
    "no-authority-key-id": ("server", "lab", lambda: _cert(aki=False), _cert),
    "no-eku": ("server", "lab", lambda: _cert(eku=None), _cert),
    "wrong-eku": (
        "server",
        "lab",
        lambda: _cert(eku=[CLIENT]),
        lambda: _cert(eku=[SERVER, CLIENT]),
    ),
    "wildcard-misplaced": (
        "server",
        "lab",
        lambda: _cert(cn="w", sans=(x509.DNSName("www.*.lab.test"),)),
        lambda: _cert(cn="w", sans=(x509.DNSName("*.lab.test"),)),
    ),
    "ip-as-dns-name": (
        "server",
        "lab",
        lambda: _cert(cn="127.0.0.1", sans=(x509.DNSName("127.0.0.1"),)),
        lambda: _cert(
            cn="127.0.0.1", sans=(x509.IPAddress(ipaddress.ip_address("127.0.0.1")),)
        ),
    ),
    "self-signed-leaf": (
        "server",
        "lab",
        lambda: _cert(self_signed=True),
        _cert,
    ),
}


def test_every_code_has_a_case() -> None:
    """The table of cases covers every code lint() can report."""
    assert sorted(CASES) == sorted(CODES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_fires_on_the_fault(code: str) -> None:
    """The code is reported for a certificate that has the fault."""
    purpose, profile, faulty, _ = CASES[code]
    assert code in tlslab.lint(faulty(), purpose, profile)


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_is_quiet_without_the_fault(code: str) -> None:
    """The code is not reported for the same certificate without the fault."""
    purpose, profile, _, clean = CASES[code]
    assert code not in tlslab.lint(clean(), purpose, profile)


def test_md5_is_a_weak_signature_hash() -> None:
    """An MD5-signed certificate is reported as weak too."""
    report = tlslab.lint(_weak_signed("md5"))
    assert "MD5" in next(f.message for f in report if f.code == "weak-signature-hash")


def test_weak_certificate_signature_verifies() -> None:
    """The SHA-1 test certificate is genuine: its signature checks out."""
    cert = _weak_signed("sha1")
    _RSA_KEY.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1()
    )


def test_tlslab_leaf_is_clean(site) -> None:
    """A leaf issued by tlslab has no findings as a server certificate."""
    assert tlslab.lint(site).codes == []


def test_tlslab_client_certificate_is_clean(ca) -> None:
    """A client certificate from ca.issue(client=True) is clean as a client."""
    assert tlslab.lint(ca.issue("alice", client=True), purpose="client").codes == []


def test_tlslab_ca_is_clean(intermediate) -> None:
    """An intermediate CA made by tlslab is clean as a CA."""
    assert tlslab.lint(intermediate, purpose="ca").codes == []


def test_server_certificate_fails_as_client(site) -> None:
    """A server-only certificate linted as a client certificate has wrong-eku."""
    assert "wrong-eku" in tlslab.lint(site, purpose="client")


def test_lab_profile_only_warns_about_long_lifetimes() -> None:
    """Under the lab profile a 900-day leaf is a warning, not an error."""
    report = tlslab.lint(_cert(days=900), profile="lab")
    assert report.by_severity("warning")[0].code == "lifetime-too-long"


def test_lab_profile_accepts_a_year_and_a_half() -> None:
    """Under the lab profile a 500-day leaf is fine."""
    assert "lifetime-too-long" not in tlslab.lint(_cert(days=500))


def test_errors_come_first() -> None:
    """Findings are ordered error, warning, notice."""
    report = tlslab.lint(_cert(cn="other", self_signed=True, aki=False, sans=None))
    severities = [f.severity for f in report]
    assert severities == sorted(severities, key=["error", "warning", "notice"].index)


def test_every_finding_has_a_fix() -> None:
    """Each finding says how to fix it."""
    report = tlslab.lint(_cert(sans=None, eku=None, ski=False, aki=False))
    assert all(f.fix for f in report)


def test_report_is_readable_text() -> None:
    """The text form names severity, code and fix."""
    text = str(tlslab.lint(_cert(sans=None)))
    assert "ERROR [no-san]" in text and "Fix:" in text


def test_report_html_colours_severity() -> None:
    """The HTML form shows each severity in words and in colour."""
    assert (
        "color:#b00020;font-weight:bold'>ERROR"
        in tlslab.lint(_cert(sans=None))._repr_html_()
    )


def test_ok_is_false_with_an_error() -> None:
    """A report with an error is not ok."""
    assert not tlslab.lint(_cert(sans=None)).ok


def test_unknown_purpose_is_refused(site) -> None:
    """An unknown purpose is refused with the list of purposes."""
    with pytest.raises(tlslab.InvalidArgument, match="purpose='web' is not one"):
        tlslab.lint(site, purpose="web")


def test_unknown_profile_is_refused(site) -> None:
    """An unknown profile is refused with the list of profiles."""
    with pytest.raises(tlslab.InvalidArgument, match="use 'lab' or 'public-web'"):
        tlslab.lint(site, profile="strict")


def test_lint_reads_a_pem_file(site, tmp_path) -> None:
    """A PEM path is read and its first certificate checked."""
    path = tmp_path / "site.pem"
    path.write_bytes(site.fullchain_pem())
    assert tlslab.lint(path).codes == []


def test_every_code_is_documented() -> None:
    """docs/lint-codes.md has a row for every code."""
    docs = (Path(__file__).parent.parent / "docs" / "lint-codes.md").read_text()
    assert [c for c in CODES if f"| `{c}` |" not in docs] == []


def test_a_ca_object_is_checked_as_a_ca_by_default(intermediate) -> None:
    """lint(ca) without a purpose checks the CA certificate as a CA."""
    assert tlslab.lint(intermediate).purpose == "ca"


def test_a_ca_certificate_alone_is_checked_as_a_server_by_default(intermediate) -> None:
    """A bare certificate defaults to the server purpose, so CA:TRUE is flagged."""
    assert "leaf-is-ca" in tlslab.lint(intermediate.cert)
