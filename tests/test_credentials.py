"""Credentials: saving without losing anything, and loading with clear errors.

Every file here is written by the test itself from credentials that the
session fixtures made with tlslab.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import tlslab


def test_save_writes_four_files(site: tlslab.Credentials, tmp_path: Path) -> None:
    """save() writes key, cert, chain and full chain next to the stem."""
    paths = site.save(tmp_path / "site")
    names = sorted(p.name for p in paths if p is not None)
    assert names == [
        "site.cert.pem",
        "site.chain.pem",
        "site.fullchain.pem",
        "site.key.pem",
    ]


def test_key_file_is_private(site: tlslab.Credentials, tmp_path: Path) -> None:
    """The key file is created with mode 0600."""
    paths = site.save(tmp_path / "site")
    assert stat.S_IMODE(os.stat(paths.key).st_mode) == 0o600


def test_key_file_is_private_under_permissive_umask(
    site: tlslab.Credentials, tmp_path: Path
) -> None:
    """A permissive umask does not make the key readable by others."""
    old = os.umask(0)
    try:
        paths = site.save(tmp_path / "site")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(paths.key).st_mode) == 0o600


def test_save_refuses_to_overwrite(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A second save to the same stem is refused and names the file."""
    site.save(tmp_path / "site")
    with pytest.raises(tlslab.WouldOverwrite, match=r"site.key.pem.*overwrite=True"):
        site.save(tmp_path / "site")


def test_refused_save_leaves_old_key(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, tmp_path: Path
) -> None:
    """When a save is refused, the key on disk is the old one, untouched."""
    paths = site.save(tmp_path / "site")
    before = paths.key.read_bytes()
    with pytest.raises(tlslab.WouldOverwrite):
        ca.issue("localhost").save(tmp_path / "site")
    assert paths.key.read_bytes() == before


def test_refusal_writes_nothing(site: tlslab.Credentials, tmp_path: Path) -> None:
    """If any target exists, none of the other files is written either."""
    (tmp_path / "site.fullchain.pem").write_text("keep me")
    with pytest.raises(tlslab.WouldOverwrite):
        site.save(tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.fullchain.pem"]


def test_overwrite_when_asked(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, tmp_path: Path
) -> None:
    """overwrite=True replaces the files."""
    site.save(tmp_path / "site")
    other = ca.issue("other.test")
    other.save(tmp_path / "site", overwrite=True)
    assert tlslab.load(tmp_path / "site") == other


def test_load_from_stem(site: tlslab.Credentials, tmp_path: Path) -> None:
    """load(stem) reads back what save(stem) wrote, chain included."""
    site.save(tmp_path / "site")
    assert tlslab.load(tmp_path / "site") == site


def test_load_cert_with_key_file(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A certificate file and a separate key= file load together."""
    paths = site.save(tmp_path / "site")
    assert tlslab.load(paths.fullchain, key=paths.key).cert == site.cert


def test_load_combined_pem(site: tlslab.Credentials) -> None:
    """One PEM text with key, certificate and chain loads as credentials."""
    again = tlslab.Credentials.from_pem(site.to_pem())
    assert again.chain == site.chain


def test_load_encrypted(site: tlslab.Credentials, tmp_path: Path) -> None:
    """An encrypted key file loads with its passphrase."""
    site.save(tmp_path / "site", passphrase="s3cret")
    assert tlslab.load(tmp_path / "site", passphrase="s3cret") == site


def test_load_encrypted_without_passphrase(
    site: tlslab.Credentials, tmp_path: Path
) -> None:
    """An encrypted key without a passphrase names the file and the fix."""
    site.save(tmp_path / "site", passphrase="s3cret")
    with pytest.raises(tlslab.PassphraseError, match=r"site.key.pem.*passphrase="):
        tlslab.load(tmp_path / "site")


def test_load_wrong_passphrase(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A wrong passphrase names the key file."""
    site.save(tmp_path / "site", passphrase="s3cret")
    with pytest.raises(tlslab.PassphraseError, match=r"passphrase for .*site.key.pem"):
        tlslab.load(tmp_path / "site", passphrase="secret")


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named, and files with a similar name are suggested."""
    (tmp_path / "site.cert.pem").write_text("x")
    with pytest.raises(tlslab.LoadError, match=r"does not exist.*site.cert.pem"):
        tlslab.load(tmp_path / "site.pem")


def test_directory(tmp_path: Path) -> None:
    """A directory is not mistaken for a file."""
    with pytest.raises(tlslab.LoadError, match=r"is a directory"):
        tlslab.load(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    """An empty file is reported as empty."""
    (tmp_path / "empty.pem").write_bytes(b"")
    with pytest.raises(tlslab.LoadError, match=r"empty.pem' is empty"):
        tlslab.load(tmp_path / "empty.pem")


def test_garbage_file(tmp_path: Path) -> None:
    """A file that is neither PEM nor DER says so."""
    (tmp_path / "notes.txt").write_text("remember to buy milk\n")
    with pytest.raises(tlslab.LoadError, match=r"neither PEM nor DER"):
        tlslab.load(tmp_path / "notes.txt")


def test_damaged_pem(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A PEM block with a damaged body is reported as damaged."""
    pem = site.cert_pem().replace(b"M", b"!", 3)
    (tmp_path / "bad.pem").write_bytes(pem + site.key_pem())
    with pytest.raises(tlslab.LoadError, match=r"damaged certificate"):
        tlslab.load(tmp_path / "bad.pem")


def test_truncated_pem(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A PEM file cut off before its END line is reported as incomplete."""
    (tmp_path / "cut.pem").write_bytes(site.cert_pem()[:200])
    with pytest.raises(tlslab.LoadError, match=r"no complete PEM block"):
        tlslab.load_certificates(tmp_path / "cut.pem")


def test_der_certificate_accepted(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A DER certificate is read as readily as PEM."""
    (tmp_path / "site.der").write_bytes(
        site.cert.public_bytes(serialization.Encoding.DER)
    )
    assert tlslab.load_certificates(tmp_path / "site.der") == [site.cert]


def test_der_key_accepted(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A DER key is accepted as key= beside a PEM certificate."""
    der = site.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "key.der").write_bytes(der)
    (tmp_path / "cert.pem").write_bytes(site.fullchain_pem())
    assert tlslab.load(tmp_path / "cert.pem", key=tmp_path / "key.der") == site


def test_certificate_only_pem(site: tlslab.Credentials, tmp_path: Path) -> None:
    """The classic recipe's mistake: a cert-only PEM where credentials are needed."""
    (tmp_path / "certificate.pem").write_bytes(site.cert_pem())
    with pytest.raises(tlslab.LoadError, match=r"certificate but no private key.*key="):
        tlslab.load(tmp_path / "certificate.pem")


def test_key_where_certificate_expected(
    site: tlslab.Credentials, tmp_path: Path
) -> None:
    """A key file passed as the certificate says to pass it as key=."""
    (tmp_path / "key.pem").write_bytes(site.key_pem())
    with pytest.raises(tlslab.LoadError, match=r"private key but no certificate"):
        tlslab.load_certificates(tmp_path / "key.pem")


def test_certificate_where_key_expected(
    site: tlslab.Credentials, tmp_path: Path
) -> None:
    """A certificate passed as key= says it holds no private key."""
    (tmp_path / "cert.pem").write_bytes(site.cert_pem())
    with pytest.raises(tlslab.LoadError, match=r"certificate but no private key"):
        tlslab.load(tmp_path / "cert.pem", key=tmp_path / "cert.pem")


def test_key_does_not_match(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority, tmp_path: Path
) -> None:
    """Another credential's key is refused, naming the certificate."""
    other = ca.issue("other.test")
    (tmp_path / "cert.pem").write_bytes(site.cert_pem())
    (tmp_path / "key.pem").write_bytes(other.key_pem())
    with pytest.raises(tlslab.KeyMismatchError, match=r"does not belong"):
        tlslab.load(tmp_path / "cert.pem", key=tmp_path / "key.pem")


def test_missing_key_beside_stem(site: tlslab.Credentials, tmp_path: Path) -> None:
    """A stem whose key file was deleted names the missing key file."""
    paths = site.save(tmp_path / "site")
    paths.key.unlink()
    with pytest.raises(tlslab.LoadError, match=r"site.key.pem' is missing"):
        tlslab.load(tmp_path / "site")


def test_unsupported_key_in_file(site: tlslab.Credentials, tmp_path: Path) -> None:
    """An RSA 1024 key file is refused as too small, naming the file."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(65537, 1024)
    pem = weak.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "weak.pem").write_bytes(pem)
    with pytest.raises(tlslab.LoadError, match=r"weak.pem.*RSA 1024.*too small"):
        tlslab.key_from_pem((tmp_path / "weak.pem").read_bytes(), source="weak.pem")


def test_openssh_key_is_recognised(tmp_path: Path) -> None:
    """An SSH key is recognised and the conversion is suggested."""
    key = tlslab.new_key("ed25519")
    ssh = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    (tmp_path / "id_ed25519").write_bytes(ssh)
    with pytest.raises(tlslab.LoadError, match=r"OpenSSH key.*ssh-keygen"):
        tlslab.load(tmp_path / "id_ed25519")


def test_pkcs12_round_trip(site: tlslab.Credentials) -> None:
    """The PKCS#12 export opens with its passphrase and holds the chain."""
    bundle = pkcs12.load_pkcs12(site.to_pkcs12("s3cret"), b"s3cret")
    assert bundle.cert is not None and bundle.cert.certificate == site.cert
    assert [c.certificate for c in bundle.additional_certs] == list(site.chain)
