"""Hand-made broken certificates, for the broken-certificate lab.

The core (:mod:`tlslab.certs`) refuses to make some mistakes on purpose: no
subjectAltName, a leaf with CA:TRUE, an RSA 1024 key, a SHA-1 signature, an
address written as a DNS name, a certificate signed by a leaf. The lab needs
them, so they are made here with ``cryptography`` directly. Each function
breaks one thing and keeps everything else as the core would; only
:mod:`tlslab.scenarios` uses them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .certs import CertificateAuthority
from .credentials import Credentials
from .custom import Spec, build
from .errors import InvalidArgument
from .keys import PrivateKey

_DAY = dt.timedelta(days=1)


def _hand_made_leaf(
    issuer_name: x509.Name,
    issuer_key: PrivateKey,
    common_name: str,
    sans: list[x509.GeneralName] | None,
    *,
    key: Any = None,
    ca: bool = False,
    authority_key_id: bool = True,
) -> tuple[Any, x509.Certificate]:
    """A 30-day server leaf built field by field; ``sans=None`` leaves out the SAN."""
    key = key if key is not None else ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    usage = ["digitalSignature"]
    if isinstance(key, rsa.RSAPrivateKey):
        usage.append("keyEncipherment")
    if ca:
        usage += ["keyCertSign", "cRLSign"]
    spec = Spec(
        common_name=common_name,
        names=tuple(sans or ()),
        not_before=now - dt.timedelta(minutes=5),
        not_after=now + 30 * _DAY,
        profile="ca" if ca else "server",
        key_usage=tuple(usage),
        extended_key_usage=("serverAuth",),
        authority_key_id=authority_key_id,
    )
    return key, build(spec, key.public_key(), issuer_name, issuer_key)


def leaf_without_san(ca: CertificateAuthority, host: str) -> Credentials:
    """A leaf naming ``host`` only in its common name, with no SAN at all."""
    key, cert = _hand_made_leaf(ca.cert.subject, ca.key, host, None)
    return Credentials(key, cert, ca.chain)


def leaf_with_ip_as_dns_name(ca: CertificateAuthority, address: str) -> Credentials:
    """A leaf whose SAN holds ``address`` as a DNS name, not an iPAddress."""
    sans: list[x509.GeneralName] = [x509.DNSName(address)]
    key, cert = _hand_made_leaf(ca.cert.subject, ca.key, address, sans)
    return Credentials(key, cert, ca.chain)


def leaf_without_authority_key_id(ca: CertificateAuthority, host: str) -> Credentials:
    """A leaf for ``host`` without the authorityKeyIdentifier extension."""
    sans: list[x509.GeneralName] = [x509.DNSName(host)]
    key, cert = _hand_made_leaf(
        ca.cert.subject, ca.key, host, sans, authority_key_id=False
    )
    return Credentials(key, cert, ca.chain)


def leaf_marked_as_ca(ca: CertificateAuthority, host: str) -> Credentials:
    """A leaf for ``host`` with basicConstraints CA:TRUE and keyCertSign."""
    sans: list[x509.GeneralName] = [x509.DNSName(host)]
    key, cert = _hand_made_leaf(ca.cert.subject, ca.key, host, sans, ca=True)
    return Credentials(key, cert, ca.chain)


def leaf_signed_by_leaf(signer: Credentials, host: str) -> Credentials:
    """A leaf for ``host`` signed with another leaf's key (CA:FALSE)."""
    sans: list[x509.GeneralName] = [x509.DNSName(host)]
    key, cert = _hand_made_leaf(signer.cert.subject, signer.key, host, sans)
    return Credentials(key, cert, signer.fullchain)


class UncheckedCredentials(Credentials):
    """Credentials that skip the core's key check, to show OpenSSL's own refusal.

    :class:`Credentials` refuses RSA keys under 2048 bits; the rsa-1024 case
    needs one, so it can show what OpenSSL says about it.
    """

    def __post_init__(self) -> None:
        object.__setattr__(self, "chain", tuple(self.chain))

    def key_pem(self, passphrase: str | bytes | None = None) -> bytes:
        """The key as unencrypted PKCS#8 PEM, weak as it is."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def leaf_with_rsa_1024(ca: CertificateAuthority, host: str) -> Credentials:
    """A leaf for ``host`` whose key is RSA 1024 (the core refuses to make one)."""
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    sans: list[x509.GeneralName] = [x509.DNSName(host)]
    key, cert = _hand_made_leaf(ca.cert.subject, ca.key, host, sans, key=weak)
    return UncheckedCredentials(key, cert, ca.chain)


# AlgorithmIdentifier DER for signatures over SHA-1, by issuer key kind:
# ecdsa-with-SHA1 (1.2.840.10045.4.1) and sha1WithRSAEncryption
# (1.2.840.113549.1.1.5, with NULL parameters).
_SHA1_ALGORITHM = {
    "ec": bytes.fromhex("300906072a8648ce3d0401"),
    "rsa": bytes.fromhex("300d06092a864886f70d0101050500"),
}


def resigned_with_sha1(site: Credentials, ca: CertificateAuthority) -> Credentials:
    """``site`` signed again by ``ca`` over SHA-1.

    cryptography refuses to sign certificates with SHA-1, so the certificate
    is re-assembled in DER: the same to-be-signed fields with the SHA-1
    algorithm identifier, signed over SHA-1.
    """
    if isinstance(ca.key, ec.EllipticCurvePrivateKey):
        algorithm = _SHA1_ALGORITHM["ec"]
    elif isinstance(ca.key, rsa.RSAPrivateKey):
        algorithm = _SHA1_ALGORITHM["rsa"]
    else:
        raise InvalidArgument(
            f"{ca!r} has a {type(ca.key).__name__}, which cannot sign over "
            "SHA-1; use an EC or RSA CA"
        )
    fields = _der_items(_der_body(site.cert.tbs_certificate_bytes))
    fields[2] = algorithm  # version, serial, then the signature algorithm
    tbs = _der(0x30, b"".join(fields))
    if isinstance(ca.key, ec.EllipticCurvePrivateKey):
        signature = ca.key.sign(tbs, ec.ECDSA(hashes.SHA1()))
    else:
        signature = ca.key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    der = _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature))
    return Credentials(site.key, x509.load_der_x509_certificate(der), site.chain)


def _der(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, body."""
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + body


def _der_header(data: bytes, at: int) -> tuple[int, int]:
    """Where the body of the element at ``at`` starts, and how long it is."""
    first = data[at + 1]
    if first < 0x80:
        return at + 2, first
    count = first & 0x7F
    return at + 2 + count, int.from_bytes(data[at + 2 : at + 2 + count], "big")


def _der_body(element: bytes) -> bytes:
    start, size = _der_header(element, 0)
    return element[start : start + size]


def _der_items(body: bytes) -> list[bytes]:
    """The elements of a SEQUENCE's body, each whole (tag, length, body)."""
    items, at = [], 0
    while at < len(body):
        start, size = _der_header(body, at)
        items.append(body[at : start + size])
        at = start + size
    return items
