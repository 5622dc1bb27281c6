"""Turn what a learner passes as ``trust=`` into certificates to trust.

Clients trust roots, servers in mutual TLS trust the CAs of their clients;
both accept the same kinds of input: a CertificateAuthority, a certificate,
credentials, a list of those, or a PEM file. Pure functions; any thread may
call them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .certs import CertificateAuthority
from .credentials import Credentials, load_certificates
from .errors import InvalidArgument

__all__ = ["TrustSpec", "certificates_to_trust", "pem_bundle"]

TrustSpec = (
    CertificateAuthority
    | x509.Certificate
    | Credentials
    | str
    | bytes
    | os.PathLike
    | Iterable
)


def certificates_to_trust(spec: object, what: str = "trust") -> list[x509.Certificate]:
    """The certificates that ``spec`` stands for, to use as trust anchors.

    A CertificateAuthority stands for its root (an intermediate's root too:
    OpenSSL anchors trust at a self-signed root). Credentials stand for their
    certificate and chain (trusting self-signed credentials trusts them
    alone). A path or PEM text stands for every certificate in it.

    Raises:
        InvalidArgument: ``spec`` is none of the kinds above, or empty.
        LoadError: a file is missing or holds no certificate.
    """
    if isinstance(spec, CertificateAuthority):
        found = [spec.root]
    elif isinstance(spec, x509.Certificate):
        found = [spec]
    elif isinstance(spec, Credentials):
        found = list(spec.fullchain)
    elif isinstance(spec, (str, bytes, os.PathLike)):
        found = load_certificates(spec)
    elif isinstance(spec, Iterable):
        found = [c for item in spec for c in certificates_to_trust(item, what)]
    else:
        raise InvalidArgument(
            f"{what}={spec!r} is not something to trust; pass a "
            "CertificateAuthority, a certificate, Credentials, a PEM file, "
            "or a list of those"
        )
    if not found:
        raise InvalidArgument(
            f"{what}={spec!r} holds no certificate; pass at least one"
        )
    return found


def pem_bundle(certificates: Iterable[x509.Certificate]) -> bytes:
    """The certificates as one PEM text (a CA file for openssl and curl)."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
