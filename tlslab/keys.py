"""Private keys: make them, name them, and turn them into PEM and back.

EC P-256 is the default kind: it is as strong as RSA-3072 for TLS and is made
in well under a millisecond, while RSA keys are found by a random search that
takes tens of milliseconds for 2048 bits and about half a second for 4096.
"""

from __future__ import annotations

from typing import TypeAlias

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .errors import InvalidArgument

__all__ = [
    "KEY_KINDS",
    "PrivateKey",
    "PublicKey",
    "key_from_pem",
    "key_name",
    "key_to_pem",
    "new_key",
    "signature_hash",
]

PrivateKey: TypeAlias = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
)
PublicKey: TypeAlias = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
)

KEY_KINDS = ("ec", "rsa", "ed25519")
RSA_SIZES = (2048, 3072, 4096)
CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1}
_CURVE_ALIASES = {
    "p256": "P-256",
    "p-256": "P-256",
    "secp256r1": "P-256",
    "prime256v1": "P-256",
    "p384": "P-384",
    "p-384": "P-384",
    "secp384r1": "P-384",
}


def new_key(
    kind: str = "ec", *, bits: int | None = None, curve: str | None = None
) -> PrivateKey:
    """Make a new private key.

    Args:
        kind: ``"ec"`` (the default), ``"rsa"`` or ``"ed25519"``.
        bits: RSA key size: 2048 (default), 3072 or 4096.
        curve: EC curve: ``"P-256"`` (default) or ``"P-384"``.

    Returns:
        A ``cryptography`` private key object.

    Raises:
        InvalidArgument: the kind, size or curve is not one tlslab supports, or
            an option does not belong to the kind.
    """
    kind_name = str(kind).lower()
    if kind_name not in KEY_KINDS:
        raise InvalidArgument(
            f"key kind {kind!r} is not supported; use one of "
            f"{', '.join(repr(k) for k in KEY_KINDS)}"
        )
    if kind_name != "rsa" and bits is not None:
        raise InvalidArgument(
            f"bits={bits!r} only applies to RSA keys; drop it, or use "
            f"new_key('rsa', bits={bits!r})"
        )
    if kind_name != "ec" and curve is not None:
        raise InvalidArgument(
            f"curve={curve!r} only applies to EC keys; drop it, or use "
            f"new_key('ec', curve={curve!r})"
        )

    if kind_name == "rsa":
        size = 2048 if bits is None else bits
        if size not in RSA_SIZES:
            raise InvalidArgument(
                f"RSA key size {bits!r} is not supported; use 2048, 3072 or "
                "4096 bits (smaller keys are breakable, larger ones are slow)"
            )
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if kind_name == "ec":
        return ec.generate_private_key(_curve(curve)())
    return ed25519.Ed25519PrivateKey.generate()


def _curve(name: str | None) -> type[ec.EllipticCurve]:
    if name is None:
        return ec.SECP256R1
    canonical = _CURVE_ALIASES.get(str(name).lower(), name)
    if canonical not in CURVES:
        raise InvalidArgument(
            f"EC curve {name!r} is not supported; use 'P-256' (the default) or "
            "'P-384', the curves every TLS client accepts"
        )
    return CURVES[canonical]


def key_name(key: PrivateKey | PublicKey) -> str:
    """Say what a key is in a few words, such as ``"EC P-256"`` or ``"RSA 2048"``.

    Raises:
        InvalidArgument: the object is not a key kind tlslab knows.
    """
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return f"RSA {key.key_size}"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        names = {cls.name: label for label, cls in CURVES.items()}
        return f"EC {names.get(key.curve.name, key.curve.name)}"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519"
    raise InvalidArgument(
        f"{type(key).__name__} is not a key kind tlslab supports; use an RSA, "
        "EC (P-256, P-384) or Ed25519 key, for example tlslab.new_key('ec')"
    )


def check_key(key: object, what: str = "key") -> PrivateKey:
    """Return ``key`` if it is a private key tlslab supports, else raise.

    Raises:
        InvalidArgument: ``key`` is not a supported private key.
    """
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise InvalidArgument(
                f"{what} is RSA {key.key_size}, which is too small to be safe "
                "and is refused by OpenSSL's default security level; make a new "
                "key with tlslab.new_key('rsa', bits=2048)"
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in {c.name for c in CURVES.values()}:
            raise InvalidArgument(
                f"{what} uses the curve {key.curve.name!r}, which tlslab does not "
                "support; make a new key with tlslab.new_key('ec')"
            )
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise InvalidArgument(
        f"{what} is a {type(key).__name__}, not a private key tlslab supports; "
        "pass an RSA, EC or Ed25519 private key, for example tlslab.new_key()"
    )


def signature_hash(key: PrivateKey) -> hashes.HashAlgorithm | None:
    """The hash a certificate signed by ``key`` should use.

    SHA-256 for RSA and P-256, SHA-384 for P-384, and none for Ed25519, which
    hashes internally.
    """
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def key_to_pem(key: PrivateKey, passphrase: str | bytes | None = None) -> bytes:
    """Write a private key as PKCS#8 PEM, encrypted when a passphrase is given.

    Raises:
        InvalidArgument: the passphrase is empty.
    """
    check_key(key)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        encryption_for(passphrase),
    )


def encryption_for(
    passphrase: str | bytes | None, unencrypted: str = "the key unencrypted"
) -> serialization.KeySerializationEncryption:
    """The encryption a passphrase asks for: the best available, or none.

    Args:
        passphrase: The passphrase, or None for no encryption.
        unencrypted: What ``passphrase=None`` gives, for the error message.

    Raises:
        InvalidArgument: the passphrase is empty.
    """
    if passphrase is None:
        return serialization.NoEncryption()
    data = passphrase.encode() if isinstance(passphrase, str) else bytes(passphrase)
    if not data:
        raise InvalidArgument(
            "the passphrase is empty; pass a non-empty passphrase, or "
            f"passphrase=None for {unencrypted}"
        )
    return serialization.BestAvailableEncryption(data)


def key_from_pem(
    data: bytes | str,
    passphrase: str | bytes | None = None,
    *,
    source: str | None = None,
) -> PrivateKey:
    """Read one private key from PEM text (or DER bytes).

    Raises:
        LoadError: the text holds no private key, or something else.
        PassphraseError: the key is encrypted and the passphrase is missing or
            wrong.
    """
    from .pemfiles import read_key

    return read_key(data, passphrase, source_name=source)
