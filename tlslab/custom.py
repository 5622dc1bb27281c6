"""Certificates built field by field, mistakes included.

``CertificateAuthority.issue`` chooses key usage and extended key usage for
the learner and refuses a certificate without a subjectAltName, on purpose.
The certificate builder and the broken-certificate lab exist to let a learner
change those fields and watch what breaks, so this module assembles a
certificate exactly as a :class:`Spec` describes it, with the core's defaults
for everything the spec does not mention (key identifiers, critical basic
constraints and key usage).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .certs import CertificateAuthority
from .credentials import Credentials
from .errors import InvalidArgument
from .keys import PrivateKey, PublicKey, signature_hash
from .names import general_names

__all__ = [
    "EXTENDED_KEY_USAGES",
    "KEY_USAGES",
    "PROFILE_DEFAULTS",
    "Spec",
    "build",
    "issue",
]

KEY_USAGES = (
    "digitalSignature",
    "contentCommitment",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
)
EXTENDED_KEY_USAGES = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
}
#: The key usage and extended key usage each profile starts with.
PROFILE_DEFAULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "server": (("digitalSignature",), ("serverAuth",)),
    "client": (("digitalSignature",), ("clientAuth",)),
    "ca": (("digitalSignature", "keyCertSign", "cRLSign"), ()),
}


@dataclass(frozen=True)
class Spec:
    """Everything the builder lets a learner choose, except the key.

    Attributes:
        common_name: The subject's CN.
        names: SAN entries as text; empty means no subjectAltName at all.
        not_before: Start of validity (aware UTC).
        not_after: End of validity (aware UTC).
        profile: "server", "client" or "ca" (sets basic constraints).
        key_usage: keyUsage bit names, as in :data:`KEY_USAGES`.
        extended_key_usage: Names from :data:`EXTENDED_KEY_USAGES`; empty
            means no extendedKeyUsage extension.
        authority_key_id: Include the authority key identifier (strict
            verifiers require it on every certificate a CA signs).
    """

    common_name: str
    names: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    profile: str = "server"
    key_usage: tuple[str, ...] = ("digitalSignature",)
    extended_key_usage: tuple[str, ...] = ("serverAuth",)
    authority_key_id: bool = True


def _key_usage(bits: tuple[str, ...]) -> x509.KeyUsage:
    flags = {name: name in bits for name in KEY_USAGES}
    return x509.KeyUsage(
        digital_signature=flags["digitalSignature"],
        content_commitment=flags["contentCommitment"],
        key_encipherment=flags["keyEncipherment"],
        data_encipherment=flags["dataEncipherment"],
        key_agreement=flags["keyAgreement"],
        key_cert_sign=flags["keyCertSign"],
        crl_sign=flags["cRLSign"],
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    spec: Spec, key: PrivateKey, signer: CertificateAuthority | None = None
) -> Credentials:
    """Make the certificate ``spec`` describes for ``key``, signed by ``signer``.

    Args:
        spec: The fields.
        key: The subject's private key.
        signer: The CA that signs; None for a self-signed certificate.

    Raises:
        InvalidArgument: the common name is empty or too long, a name is not
            a valid SAN entry, or the validity ends before it starts.
    """
    if signer is None:
        cert = build(spec, key.public_key(), None, key)
        return Credentials(key, cert)
    cert = build(spec, key.public_key(), signer.cert.subject, signer.key)
    return Credentials(key, cert, signer.chain)


def build(
    spec: Spec,
    public: PublicKey,
    issuer_name: x509.Name | None,
    issuer_key: PrivateKey,
) -> x509.Certificate:
    """Sign the certificate ``spec`` describes, with any issuer at all.

    Unlike :func:`issue`, the issuer need not be a CA (a leaf may sign, for
    the lesson on why it must not), and the subject key is not checked.

    Args:
        spec: The fields.
        public: The subject's public key.
        issuer_name: The issuer's name; None when self-signed.
        issuer_key: The key that signs.

    Raises:
        InvalidArgument: as :func:`issue`.
    """
    if not spec.common_name.strip() or len(spec.common_name) > 64:
        raise InvalidArgument(
            f"the common name {spec.common_name!r} must be 1 to 64 characters; "
            "type a short name such as 'localhost'"
        )
    if spec.not_after <= spec.not_before:
        raise InvalidArgument(
            f"the validity ends ({spec.not_after:%Y-%m-%d}) before it starts "
            f"({spec.not_before:%Y-%m-%d}); move 'not after' later"
        )
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name)])
    self_signed = issuer_name is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer_name is None else issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(spec.not_before)
        .not_valid_after(spec.not_after)
    )
    if spec.names:
        sans = x509.SubjectAlternativeName(general_names(list(spec.names)))
        builder = builder.add_extension(sans, critical=False)
    is_ca = spec.profile == "ca"
    path_length = 0 if is_ca and not self_signed else None
    builder = builder.add_extension(x509.BasicConstraints(is_ca, path_length), True)
    if spec.key_usage:
        builder = builder.add_extension(_key_usage(spec.key_usage), critical=True)
    if spec.extended_key_usage:
        purposes = [EXTENDED_KEY_USAGES[name] for name in spec.extended_key_usage]
        builder = builder.add_extension(x509.ExtendedKeyUsage(purposes), False)
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(public), critical=False
    )
    if spec.authority_key_id:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()
        )
        builder = builder.add_extension(aki, critical=False)
    return builder.sign(issuer_key, signature_hash(issuer_key))
