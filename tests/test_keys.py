"""Keys: kinds, sizes, PEM out and in, passphrases."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

import tlslab


def test_default_key_is_ec_p256() -> None:
    """new_key() with no arguments makes an EC P-256 key, the fast default."""
    assert tlslab.key_name(tlslab.new_key()) == "EC P-256"


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (("rsa",), {}, "RSA 2048"),
        (("rsa",), {"bits": 3072}, "RSA 3072"),
        (("ec",), {"curve": "P-384"}, "EC P-384"),
        (("ec",), {"curve": "secp256r1"}, "EC P-256"),
        (("ed25519",), {}, "Ed25519"),
    ],
)
def test_key_kinds_and_sizes(args: tuple, kwargs: dict, expected: str) -> None:
    """Each supported kind, size and curve gives the key it names."""
    assert tlslab.key_name(tlslab.new_key(*args, **kwargs)) == expected


def test_rsa_4096_is_supported() -> None:
    """RSA 4096 is accepted (slow, but a real choice learners ask about)."""
    key = tlslab.new_key("rsa", bits=4096)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 4096


def test_unknown_kind_is_refused() -> None:
    """A key kind tlslab does not know names itself and the supported ones."""
    with pytest.raises(tlslab.InvalidArgument, match=r"'dsa' is not supported.*'ec'"):
        tlslab.new_key("dsa")


def test_small_rsa_is_refused() -> None:
    """RSA 1024 is refused with the sizes that are allowed."""
    with pytest.raises(tlslab.InvalidArgument, match=r"1024 .*use 2048, 3072 or 4096"):
        tlslab.new_key("rsa", bits=1024)


def test_unknown_curve_is_refused() -> None:
    """An unsupported curve is named in the error, with the ones to use."""
    with pytest.raises(tlslab.InvalidArgument, match=r"'P-521' is not supported"):
        tlslab.new_key("ec", curve="P-521")


def test_bits_for_ec_is_refused() -> None:
    """bits= on an EC key is a mistake worth pointing out, not ignoring."""
    with pytest.raises(tlslab.InvalidArgument, match=r"bits=4096 only applies to RSA"):
        tlslab.new_key("ec", bits=4096)


def test_pem_is_pkcs8() -> None:
    """Keys are written as PKCS#8 ('BEGIN PRIVATE KEY') whatever their kind."""
    for kind in ("ec", "ed25519"):
        assert tlslab.key_to_pem(tlslab.new_key(kind)).startswith(
            b"-----BEGIN PRIVATE KEY-----"
        )


def test_encrypted_pem_round_trip() -> None:
    """An encrypted key reads back with its passphrase."""
    key = tlslab.new_key()
    pem = tlslab.key_to_pem(key, "correct horse")
    again = tlslab.key_from_pem(pem, "correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert again.private_numbers() == key.private_numbers()


def test_encrypted_pem_without_passphrase() -> None:
    """Reading an encrypted key without a passphrase says to pass one."""
    pem = tlslab.key_to_pem(tlslab.new_key(), "s3cret")
    with pytest.raises(tlslab.PassphraseError, match=r"encrypted .* pass passphrase="):
        tlslab.key_from_pem(pem)


def test_encrypted_pem_wrong_passphrase() -> None:
    """A wrong passphrase is reported as such, not as a damaged file."""
    pem = tlslab.key_to_pem(tlslab.new_key(), "s3cret")
    with pytest.raises(tlslab.PassphraseError, match=r"passphrase .* is wrong"):
        tlslab.key_from_pem(pem, "S3cret")


def test_passphrase_for_plain_key() -> None:
    """A passphrase given for an unencrypted key is pointed out."""
    pem = tlslab.key_to_pem(tlslab.new_key())
    with pytest.raises(tlslab.PassphraseError, match=r"not encrypted.*drop the"):
        tlslab.key_from_pem(pem, "s3cret")


def test_empty_passphrase_is_refused() -> None:
    """An empty passphrase would encrypt with nothing; it is refused."""
    with pytest.raises(tlslab.InvalidArgument, match=r"passphrase is empty"):
        tlslab.key_to_pem(tlslab.new_key(), "")


def test_unsupported_key_object_is_refused() -> None:
    """A P-521 key made elsewhere is refused with a way forward."""
    key = ec.generate_private_key(ec.SECP521R1())
    with pytest.raises(tlslab.InvalidArgument, match=r"secp521r1.*tlslab.new_key"):
        tlslab.key_to_pem(key)


def test_key_name_of_public_key() -> None:
    """key_name also names public keys, as found in certificates."""
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    assert tlslab.key_name(public) == "Ed25519"
