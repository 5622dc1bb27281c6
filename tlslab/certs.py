"""Certificates: a certificate authority, the leaves it issues, and CSRs.

Every certificate tlslab makes carries what strict verifiers ask for: a
subjectAltName (leaves), subject and authority key identifiers, critical
basicConstraints, a critical keyUsage that fits the key and the role, and an
extendedKeyUsage (leaves). Times are timezone-aware UTC, serials are random.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .credentials import Credentials
from .errors import InvalidArgument
from .keys import PrivateKey, check_key, new_key, signature_hash
from .names import general_names

__all__ = [
    "DEFAULT_LEAF_DAYS",
    "CertificateAuthority",
    "new_csr",
    "self_signed",
]

DEFAULT_LEAF_DAYS = 90
DEFAULT_CA_DAYS = 3650
_BACKDATE = dt.timedelta(minutes=5)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _as_utc(value: dt.datetime, what: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidArgument(
            f"{what}={value!r} is not a datetime; pass a timezone-aware "
            "datetime such as datetime.now(timezone.utc)"
        )
    if value.tzinfo is None:
        raise InvalidArgument(
            f"{what}={value!r} has no time zone, so it is ambiguous; pass a "
            "timezone-aware datetime such as datetime.now(timezone.utc)"
        )
    return value.astimezone(dt.timezone.utc)


def validity(
    days: float | None,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
    default_days: int,
) -> tuple[dt.datetime, dt.datetime]:
    """Work out a validity period from days and/or explicit bounds.

    ``not_before`` defaults to five minutes ago (so a client whose clock is a
    little behind still accepts a certificate made just now); ``not_after``
    defaults to ``not_before + days``. Both may lie in the past.

    Raises:
        InvalidArgument: a bound has no time zone, ``days`` is not positive, or
            the period ends before it starts.
    """
    if days is not None and (not isinstance(days, (int, float)) or days <= 0):
        raise InvalidArgument(
            f"days={days!r} is not a positive number; pass the lifetime in "
            "days, like days=90, or give not_before= and not_after="
        )
    if not_before is not None and not_after is not None and days is not None:
        raise InvalidArgument(
            "days= was given together with not_before= and not_after=; pass "
            "either days= or both dates, not all three"
        )
    start = _as_utc(not_before, "not_before") if not_before is not None else None
    end = _as_utc(not_after, "not_after") if not_after is not None else None
    span = dt.timedelta(days=default_days if days is None else days)
    if start is None:
        start = _utcnow() - _BACKDATE
        # Counted back from an explicit end: when days= says so, or when the
        # end lies in the past (a certificate that has already expired).
        if end is not None and (days is not None or end <= start):
            start = end - span
    if end is None:
        end = start + span
    if end <= start:
        raise InvalidArgument(
            f"not_after ({end:%Y-%m-%d %H:%M}) is not after not_before "
            f"({start:%Y-%m-%d %H:%M}); swap them or fix one"
        )
    return start.replace(microsecond=0), end.replace(microsecond=0)


def _subject(common_name: str, organization: str | None = None) -> x509.Name:
    if not isinstance(common_name, str) or not common_name.strip():
        raise InvalidArgument(
            f"the common name {common_name!r} is empty; pass a short name such "
            "as 'tlslab Workshop Root CA' or 'localhost'"
        )
    if len(common_name) > 64:
        raise InvalidArgument(
            f"the common name {common_name!r} is {len(common_name)} characters; "
            "X.509 allows at most 64, so shorten it (put long names in the SAN)"
        )
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _key_usage(public: Any, *, ca: bool) -> x509.KeyUsage:
    """Key usage for a role; RSA leaves may also encipher (TLS 1.2 RSA kx)."""
    rsa_leaf = isinstance(public, rsa.RSAPublicKey) and not ca
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=rsa_leaf,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: Any,
    sans: list[x509.GeneralName],
    start: dt.datetime,
    end: dt.datetime,
    usage: x509.KeyUsage,
    purposes: list[x509.ObjectIdentifier],
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    )


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: Any,
    start: dt.datetime,
    end: dt.datetime,
    path_length: int | None,
) -> x509.CertificateBuilder:
    """A CA certificate's fields; the signer adds the authority key id."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(True, path_length), critical=True)
        .add_extension(_key_usage(public_key, ca=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    )


def _purposes(client: bool, server: bool | None) -> list[x509.ObjectIdentifier]:
    serve = (not client) if server is None else server
    purposes = []
    if serve:
        purposes.append(ExtendedKeyUsageOID.SERVER_AUTH)
    if client:
        purposes.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    if not purposes:
        raise InvalidArgument(
            "client=False and server=False leave the certificate with no "
            "purpose; pass client=True, server=True, or both"
        )
    return purposes


def _key_or_new(key: PrivateKey | None, key_type: str) -> PrivateKey:
    return new_key(key_type) if key is None else check_key(key)


class CertificateAuthority:
    """A certificate authority: a CA key and certificate that sign others.

    Make a root with :meth:`create`, an intermediate with
    :meth:`intermediate`, and leaves with :meth:`issue` or :meth:`sign_csr`.

    Attributes:
        key: The CA's private key.
        cert: The CA's own certificate.
        parent: The CA that signed this one, or ``None`` for a root.
    """

    def __init__(
        self,
        key: PrivateKey,
        cert: x509.Certificate,
        parent: CertificateAuthority | None = None,
    ) -> None:
        self.key = check_key(key, "the CA key")
        self.cert = cert
        self.parent = parent
        self._aki: x509.AuthorityKeyIdentifier | None = None
        Credentials(self.key, cert)  # checks that the key fits the certificate
        constraints = _basic_constraints(cert)
        if constraints is None or not constraints.ca:
            raise InvalidArgument(
                f"the certificate {cert.subject.rfc4514_string()!r} is not a CA "
                "certificate (basicConstraints CA:TRUE is missing); make a CA "
                "with CertificateAuthority.create()"
            )

    @classmethod
    def create(
        cls,
        common_name: str = "tlslab Root CA",
        *,
        key: PrivateKey | None = None,
        key_type: str = "ec",
        organization: str | None = "tlslab",
        days: float | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        path_length: int | None = None,
    ) -> CertificateAuthority:
        """Make a new root CA with a self-signed certificate.

        Args:
            common_name: The CA's name, shown by browsers and verifiers.
            key: A key to use; a new one of ``key_type`` when omitted.
            key_type: ``"ec"``, ``"rsa"`` or ``"ed25519"``, for a new key.
            organization: The O= attribute of the subject (None for none).
            days: Lifetime in days (default 10 years).
            not_before: Start of validity (aware UTC); may lie in the past.
            not_after: End of validity (aware UTC); may lie in the past.
            path_length: How many intermediate CAs may stand below (None: any).

        Raises:
            InvalidArgument: a name, key or date is unusable.
        """
        ca_key = _key_or_new(key, key_type)
        name = _subject(common_name, organization)
        start, end = validity(days, not_before, not_after, DEFAULT_CA_DAYS)
        public = ca_key.public_key()
        ski = x509.SubjectKeyIdentifier.from_public_key(public)
        builder = _ca_builder(name, name, public, start, end, path_length)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
            critical=False,
        )
        cert = builder.sign(ca_key, signature_hash(ca_key))
        return cls(ca_key, cert)

    @property
    def name(self) -> str:
        """The CA's common name."""
        return _common_name(self.cert)

    @property
    def root(self) -> x509.Certificate:
        """The root certificate at the top of this CA's chain: the trust anchor."""
        return self.parent.root if self.parent is not None else self.cert

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """This CA's certificate and those above it, up to but not the root."""
        if self.parent is None:
            return ()
        return (self.cert, *self.parent.chain)

    @property
    def credentials(self) -> Credentials:
        """The CA's key, certificate and chain, for saving or inspection."""
        return Credentials(
            self.key, self.cert, self.parent.chain if self.parent else ()
        )

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate in PEM, what a client needs to trust this CA."""
        from cryptography.hazmat.primitives import serialization

        return self.cert.public_bytes(serialization.Encoding.PEM)

    def __repr__(self) -> str:
        kind = "root" if self.parent is None else "intermediate"
        return f"<CertificateAuthority {kind} {self.name!r}>"

    def _sign(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        if self._aki is None:  # the same for every certificate this CA signs
            self._aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()
            )
        builder = builder.add_extension(self._aki, critical=False)
        return builder.sign(self.key, signature_hash(self.key))

    def intermediate(
        self,
        common_name: str = "tlslab Intermediate CA",
        *,
        key: PrivateKey | None = None,
        key_type: str = "ec",
        organization: str | None = "tlslab",
        days: float | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        path_length: int | None = 0,
    ) -> CertificateAuthority:
        """Make an intermediate CA signed by this one.

        Args:
            path_length: How many further CAs may stand below it; 0 (the
                default) means it may sign only leaves.

        Raises:
            InvalidArgument: this CA's own path length forbids another level,
                or a name, key or date is unusable.
        """
        mine = _basic_constraints(self.cert)
        if mine is not None and mine.path_length == 0:
            raise InvalidArgument(
                f"{self.name!r} has path length 0, so it may sign only leaves; "
                "make the intermediate from the CA above it"
            )
        ca_key = _key_or_new(key, key_type)
        start, end = validity(days, not_before, not_after, DEFAULT_CA_DAYS)
        builder = _ca_builder(
            _subject(common_name, organization),
            self.cert.subject,
            ca_key.public_key(),
            start,
            end,
            path_length,
        )
        return CertificateAuthority(ca_key, self._sign(builder), parent=self)

    def issue(
        self,
        *names: str,
        client: bool = False,
        server: bool | None = None,
        key: PrivateKey | None = None,
        key_type: str = "ec",
        common_name: str | None = None,
        organization: str | None = None,
        days: float | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Credentials:
        """Issue a leaf certificate and return it with its key and chain.

        Args:
            *names: Host names, wildcards, IP addresses or e-mail addresses;
                each becomes the right subjectAltName entry.
            client: Issue a client certificate (clientAuth) for mutual TLS.
            server: Include serverAuth; by default only when not ``client``.
            key: A key to certify; a new one of ``key_type`` when omitted.
            common_name: The subject CN; the first name by default.
            days: Lifetime in days (default 90).
            not_before: Start of validity (aware UTC); may lie in the past.
            not_after: End of validity (aware UTC); may lie in the past.

        Raises:
            InvalidArgument: no names, an invalid name, key or date.
        """
        sans = general_names(names)
        leaf_key = _key_or_new(key, key_type)
        public = leaf_key.public_key()
        start, end = validity(days, not_before, not_after, DEFAULT_LEAF_DAYS)
        builder = _leaf_builder(
            _subject(common_name or str(names[0]).strip(), organization),
            self.cert.subject,
            public,
            sans,
            start,
            end,
            _key_usage(public, ca=False),
            _purposes(client, server),
        )
        return Credentials._made_here(leaf_key, self._sign(builder), self.chain)

    def sign_csr(
        self,
        csr: x509.CertificateSigningRequest | bytes | str,
        *,
        client: bool = False,
        server: bool | None = None,
        days: float | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> x509.Certificate:
        """Sign a certificate signing request as a leaf.

        The request's signature is checked and its subjectAltName copied; all
        else (lifetime, key usage, extended key usage, constraints) is this
        CA's policy, whatever the request asked for.

        Raises:
            InvalidArgument: the request's signature is invalid, or it has no
                subjectAltName.
            LoadError: ``csr`` is PEM text or a path that holds no request.
        """
        request = _as_csr(csr)
        if not request.is_signature_valid:
            raise InvalidArgument(
                "the certificate signing request's signature does not match its "
                "public key, so whoever sent it may not hold the key; make the "
                "request again with tlslab.new_csr(key, ...)"
            )
        try:
            san = request.extensions.get_extension_for_class(
                x509.SubjectAlternativeName
            ).value
        except x509.ExtensionNotFound:
            raise InvalidArgument(
                "the certificate signing request has no subjectAltName, and "
                "clients match host names only against it; make the request "
                "with names, like tlslab.new_csr(key, 'localhost')"
            ) from None
        start, end = validity(days, not_before, not_after, DEFAULT_LEAF_DAYS)
        public = request.public_key()
        builder = _leaf_builder(
            request.subject,
            self.cert.subject,
            public,
            list(san),
            start,
            end,
            _key_usage(public, ca=False),
            _purposes(client, server),
        )
        return self._sign(builder)


def _as_csr(
    csr: x509.CertificateSigningRequest | bytes | str,
) -> x509.CertificateSigningRequest:
    if isinstance(csr, x509.CertificateSigningRequest):
        return csr
    from .pemfiles import read_csr

    return read_csr(csr)


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def _common_name(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else cert.subject.rfc4514_string()


def self_signed(
    *names: str,
    key: PrivateKey | None = None,
    key_type: str = "ec",
    common_name: str | None = None,
    organization: str | None = None,
    days: float | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Credentials:
    """Make a self-signed server certificate: the classic recipe, done right.

    Unlike the recipe, the certificate has a subjectAltName (clients ignore
    the common name), key identifiers, constraints and usages, aware UTC
    times and a 90-day lifetime, and comes back together with its key.

    A client trusts it only by trusting this exact certificate; to serve
    several names or rotate keys, make a :class:`CertificateAuthority`.

    Raises:
        InvalidArgument: no names, an invalid name, key or date.
    """
    sans = general_names(names)
    own_key = _key_or_new(key, key_type)
    start, end = validity(days, not_before, not_after, DEFAULT_LEAF_DAYS)
    subject = _subject(common_name or str(names[0]).strip(), organization)
    public = own_key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public)
    builder = _leaf_builder(
        subject,
        subject,
        public,
        sans,
        start,
        end,
        _key_usage(public, ca=False),
        _purposes(False, None),
    ).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
        critical=False,
    )
    return Credentials._made_here(
        own_key, builder.sign(own_key, signature_hash(own_key))
    )


def new_csr(
    key: PrivateKey, *names: str, common_name: str | None = None
) -> x509.CertificateSigningRequest:
    """Make a certificate signing request for ``key`` and ``names``.

    Raises:
        InvalidArgument: the key is unusable, or a name is invalid.
    """
    own_key = check_key(key)
    sans = general_names(names)
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_subject(common_name or str(names[0]).strip()))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .sign(own_key, signature_hash(own_key))
    )
