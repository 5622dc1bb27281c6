"""Certificates: the extensions strict verifiers ask for, validity, CSRs."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

import tlslab

UTC = dt.timezone.utc


def ext(cert: x509.Certificate, kind: type) -> x509.Extension:
    """The extension of ``kind`` in ``cert`` (raises if it is missing)."""
    return cert.extensions.get_extension_for_class(kind)


def test_root_is_a_critical_ca(ca: tlslab.CertificateAuthority) -> None:
    """The root has critical basicConstraints CA:TRUE and keyCertSign."""
    constraints = ext(ca.cert, x509.BasicConstraints)
    usage = ext(ca.cert, x509.KeyUsage)
    assert constraints.critical and constraints.value.ca
    assert usage.critical and usage.value.key_cert_sign


def test_intermediate_has_path_length_zero(
    intermediate: tlslab.CertificateAuthority,
) -> None:
    """An intermediate may sign only leaves by default (path length 0)."""
    assert ext(intermediate.cert, x509.BasicConstraints).value.path_length == 0


def test_intermediate_below_path_length_zero_is_refused(
    intermediate: tlslab.CertificateAuthority,
) -> None:
    """A CA with path length 0 refuses to make another CA, and says why."""
    with pytest.raises(tlslab.InvalidArgument, match=r"path length 0"):
        intermediate.intermediate("Too deep")


def test_leaf_has_every_strict_extension(site: tlslab.Credentials) -> None:
    """A leaf carries SAN, SKI, AKI, basicConstraints, keyUsage and EKU."""
    kinds = {type(e.value) for e in site.cert.extensions}
    assert kinds == {
        x509.SubjectAlternativeName,
        x509.SubjectKeyIdentifier,
        x509.AuthorityKeyIdentifier,
        x509.BasicConstraints,
        x509.KeyUsage,
        x509.ExtendedKeyUsage,
    }


def test_leaf_aki_matches_issuer_ski(
    site: tlslab.Credentials, intermediate: tlslab.CertificateAuthority
) -> None:
    """The leaf's authority key identifier is its issuer's subject key id."""
    aki = ext(site.cert, x509.AuthorityKeyIdentifier).value.key_identifier
    ski = ext(intermediate.cert, x509.SubjectKeyIdentifier).value.digest
    assert aki == ski


def test_leaf_is_not_a_ca(site: tlslab.Credentials) -> None:
    """A leaf's critical basicConstraints says CA:FALSE."""
    constraints = ext(site.cert, x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca


def test_server_leaf_is_for_server_auth(site: tlslab.Credentials) -> None:
    """A server leaf's EKU is serverAuth only."""
    purposes = list(ext(site.cert, x509.ExtendedKeyUsage).value)
    assert purposes == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_client_leaf_is_for_client_auth(ca: tlslab.CertificateAuthority) -> None:
    """client=True issues a clientAuth certificate for mutual TLS."""
    alice = ca.issue("alice", client=True)
    purposes = list(ext(alice.cert, x509.ExtendedKeyUsage).value)
    assert purposes == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_rsa_leaf_may_encipher(ca: tlslab.CertificateAuthority) -> None:
    """An RSA leaf has keyEncipherment; an EC leaf does not."""
    rsa_leaf = ca.issue("localhost", key_type="rsa")
    ec_leaf = ca.issue("localhost")
    assert ext(rsa_leaf.cert, x509.KeyUsage).value.key_encipherment
    assert not ext(ec_leaf.cert, x509.KeyUsage).value.key_encipherment


def test_leaf_default_lifetime_is_90_days(site: tlslab.Credentials) -> None:
    """A leaf lives 90 days by default."""
    cert = site.cert
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(90)


def test_validity_in_the_past(ca: tlslab.CertificateAuthority) -> None:
    """Explicit dates in the past are allowed, for the failure lessons."""
    start = dt.datetime(2020, 1, 1, tzinfo=UTC)
    end = dt.datetime(2020, 2, 1, tzinfo=UTC)
    old = ca.issue("localhost", not_before=start, not_after=end)
    assert old.cert.not_valid_after_utc == end


def test_naive_datetime_is_refused(ca: tlslab.CertificateAuthority) -> None:
    """A datetime without a time zone is ambiguous and is refused."""
    with pytest.raises(tlslab.InvalidArgument, match=r"no time zone"):
        ca.issue("localhost", not_after=dt.datetime(2030, 1, 1))


def test_end_before_start_is_refused(ca: tlslab.CertificateAuthority) -> None:
    """A period that ends before it starts is refused with both dates."""
    with pytest.raises(tlslab.InvalidArgument, match=r"not after not_before"):
        ca.issue(
            "localhost",
            not_before=dt.datetime(2030, 1, 1, tzinfo=UTC),
            not_after=dt.datetime(2029, 1, 1, tzinfo=UTC),
        )


def test_serials_are_random(ca: tlslab.CertificateAuthority) -> None:
    """Two leaves never share a serial number."""
    assert (
        ca.issue("a.test").cert.serial_number != ca.issue("a.test").cert.serial_number
    )


def test_self_signed_has_san_and_identifiers() -> None:
    """The classic recipe done right: SAN, SKI and AKI, issuer == subject."""
    alone = tlslab.self_signed("localhost")
    assert alone.cert.issuer == alone.cert.subject
    assert alone.names == ["localhost"]
    assert ext(alone.cert, x509.AuthorityKeyIdentifier)


def test_csr_signed_with_ca_policy(ca: tlslab.CertificateAuthority) -> None:
    """A signed CSR keeps its names and gets the CA's usages."""
    csr = tlslab.new_csr(tlslab.new_key(), "bob.example.test", "127.0.0.2")
    cert = ca.sign_csr(csr)
    san = ext(cert, x509.SubjectAlternativeName).value
    assert [str(n.value) for n in san] == ["bob.example.test", "127.0.0.2"]
    assert ext(cert, x509.ExtendedKeyUsage).value[0] == ExtendedKeyUsageOID.SERVER_AUTH


def test_csr_with_bad_signature_is_refused(ca: tlslab.CertificateAuthority) -> None:
    """A request whose signature does not match its key is refused."""
    good = tlslab.new_csr(tlslab.new_key(), "bob.example.test")
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF
    forged = x509.load_der_x509_csr(bytes(der))
    with pytest.raises(tlslab.InvalidArgument, match=r"signature does not match"):
        ca.sign_csr(forged)


def test_csr_without_san_is_refused(ca: tlslab.CertificateAuthority) -> None:
    """A request without subjectAltName is refused, with how to make one."""
    key = tlslab.new_key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "x")]))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(tlslab.InvalidArgument, match=r"no subjectAltName"):
        ca.sign_csr(csr)


def test_ca_from_non_ca_certificate_is_refused(site: tlslab.Credentials) -> None:
    """Wrapping a leaf as a CA is refused: it lacks CA:TRUE."""
    with pytest.raises(tlslab.InvalidArgument, match=r"not a CA certificate"):
        tlslab.CertificateAuthority(site.key, site.cert)
