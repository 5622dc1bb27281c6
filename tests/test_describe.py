"""describe(): fields agree with openssl, meanings are there, secrets are not."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

import tlslab
from tlslab.describe import Description

needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None,
    reason="openssl is not installed; install it with 'apt-get install openssl'",
)


def _openssl(cert_pem: bytes) -> str:
    return subprocess.run(
        ["openssl", "x509", "-noout", "-text", "-nameopt", "RFC2253"],
        input=cert_pem,
        capture_output=True,
        check=True,
    ).stdout.decode()


def _openssl_facts(text: str) -> dict[str, object]:
    serial = re.search(r"Serial Number:\s*\n?\s*([0-9a-f:]+|\d+)", text).group(1)
    serial_int = int(serial.replace(":", ""), 16) if ":" in serial else int(serial)
    when = "%b %d %H:%M:%S %Y GMT"
    san = re.search(r"Subject Alternative Name:\s*\n\s*(.+)", text)
    entries = set()
    for item in san.group(1).split(", ") if san else []:
        kind, _, value = item.partition(":")
        if kind == "IP Address":
            entries.add(("IP", str(ipaddress.ip_address(value))))
        else:
            entries.add((kind, value))
    bits = re.search(r"Public-Key: \((\d+) bit\)", text)
    return {
        "serial": serial_int,
        "issuer": re.search(r"Issuer: (.*)", text).group(1).strip(),
        "subject": re.search(r"Subject: (.*)", text).group(1).strip(),
        "not_before": dt.datetime.strptime(
            " ".join(re.search(r"Not Before: (.*)", text).group(1).split()), when
        ),
        "not_after": dt.datetime.strptime(
            " ".join(re.search(r"Not After : (.*)", text).group(1).split()), when
        ),
        "san": entries,
        "bits": int(bits.group(1)) if bits else None,
        "algorithm": re.search(r"Public Key Algorithm: (\S+)", text).group(1),
    }


def _our_facts(desc: Description) -> dict[str, object]:
    entries = set()
    for item in desc["Subject alternative names (SAN)"].value.split(", "):
        kind, _, value = item.partition(":")
        entries.add((kind, value))
    return {
        "serial": int(desc["Serial number"].value.replace(":", ""), 16),
        "issuer": desc["Issuer"].value,
        "subject": desc["Subject"].value,
        "not_before": dt.datetime.strptime(
            desc["Not before"].value, "%Y-%m-%d %H:%M:%S UTC"
        ),
        "not_after": dt.datetime.strptime(
            desc["Not after"].value, "%Y-%m-%d %H:%M:%S UTC"
        ),
        "san": entries,
        "bits": int(desc["Key size"].value.split()[0]),
    }


@needs_openssl
@pytest.mark.parametrize(
    ("key_type", "algorithm"),
    [("rsa", "rsaEncryption"), ("ec", "id-ecPublicKey"), ("ed25519", "ED25519")],
)
def test_describe_agrees_with_openssl(
    key_type: str, algorithm: str, intermediate
) -> None:
    """Serial, issuer, subject, validity, SANs and key size match openssl x509 -text."""
    site = intermediate.issue(
        "localhost", "127.0.0.1", "::1", "*.lab.test", key_type=key_type
    )
    theirs = _openssl_facts(_openssl(site.cert_pem()))
    ours = _our_facts(tlslab.describe(site.cert))
    assert theirs["algorithm"] == algorithm
    if theirs["bits"] is None:  # openssl prints no size for Ed25519
        theirs["bits"] = 256
    del theirs["algorithm"]
    assert ours == theirs


def test_fields_come_in_reading_order(site) -> None:
    """The fields start with version, serial, signature, issuer, then validity."""
    names = [f.name for f in tlslab.describe(site.cert).fields]
    assert names[:7] == [
        "Version",
        "Serial number",
        "Signature algorithm",
        "Issuer",
        "Not before",
        "Not after",
        "Status",
    ]


def test_every_field_has_a_meaning(site) -> None:
    """Every field of a leaf comes with a sentence of meaning."""
    assert all(len(f.meaning) > 30 for f in tlslab.describe(site))


def test_extensions_are_named_and_flag_critical(site) -> None:
    """Basic constraints is shown as critical CA:FALSE."""
    field = tlslab.describe(site.cert)["Basic constraints"]
    assert (field.value, field.critical) == ("CA:FALSE", True)


def test_status_says_expires_in_days(ca) -> None:
    """A fresh 90-day leaf 'expires in 89 days'."""
    leaf = ca.issue("localhost", days=90)
    assert tlslab.describe(leaf.cert)["Status"].value.startswith("expires in 89 days")


def test_status_says_expired_days_ago(ca) -> None:
    """A leaf that ended ten days ago says 'expired 10 days ago'."""
    now = dt.datetime.now(dt.timezone.utc)
    leaf = ca.issue(
        "localhost", not_after=now - dt.timedelta(days=10, hours=1), days=30
    )
    assert tlslab.describe(leaf.cert)["Status"].value.startswith("expired 10 days ago")


def test_status_says_not_valid_yet(ca) -> None:
    """A leaf that starts in three days says so."""
    now = dt.datetime.now(dt.timezone.utc)
    leaf = ca.issue("localhost", not_before=now + dt.timedelta(days=3, hours=1))
    assert (
        "not valid yet: starts in 3 days" in tlslab.describe(leaf.cert)["Status"].value
    )


def test_credentials_never_show_secret_numbers(site) -> None:
    """Neither the text nor the HTML of credentials contains the private value."""
    secret = format(site.key.private_numbers().private_value, "x")
    desc = tlslab.describe(site)
    assert secret not in str(desc) + desc._repr_html_() + repr(desc.rows())


def test_credentials_describe_key_and_every_certificate(site) -> None:
    """Credentials give a key part and one part per certificate in the full chain."""
    desc = tlslab.describe(site)
    assert [p.kind for p in desc.parts] == ["key", "certificate", "certificate"]


def test_chain_labels_leaf_and_ca(site, intermediate) -> None:
    """A chain's parts are labelled leaf, CA and root."""
    desc = tlslab.describe([site.cert, intermediate.cert, intermediate.root])
    roles = [p.title.split(":")[0] for p in desc.parts]
    assert roles == ["[0] leaf", "[1] CA", "[2] root"]


def test_ca_is_described_with_its_chain(intermediate) -> None:
    """An intermediate CA shows its key, its certificate and the root."""
    desc = tlslab.describe(intermediate)
    assert (desc.kind, len(desc.parts)) == ("ca", 3)


def test_csr_shows_requested_names() -> None:
    """A CSR shows its subject and the SAN it asks for."""
    csr = tlslab.new_csr(tlslab.new_key(), "api.lab.test")
    desc = tlslab.describe(csr)
    assert desc["Subject alternative names (SAN)"].value == "DNS:api.lab.test"


def test_pem_path_with_key_is_described_as_credentials(site, tmp_path) -> None:
    """A saved stem's fullchain+key file reads back as credentials."""
    path = tmp_path / "both.pem"
    path.write_bytes(site.to_pem())
    assert tlslab.describe(path).kind == "credentials"


def test_pem_path_with_one_certificate(site, tmp_path) -> None:
    """A file holding one certificate is described as that certificate."""
    path = tmp_path / "cert.pem"
    path.write_bytes(site.cert_pem())
    assert tlslab.describe(str(path)).kind == "certificate"


def test_encrypted_key_file_is_described_without_passphrase(site, tmp_path) -> None:
    """An encrypted key file is reported as encrypted, not an error."""
    path = tmp_path / "key.pem"
    path.write_bytes(site.key_pem("correct horse"))
    assert tlslab.describe(path)["Encrypted"].value == "yes"


def _self_signed_with(*extensions: x509.ExtensionType) -> x509.Certificate:
    """A bare self-signed certificate carrying only ``extensions``.

    Built by hand because tlslab's builders add no AIA, CRL points or
    private extensions.
    """
    key = tlslab.new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odd")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(key, hashes.SHA256())


def test_unknown_extension_is_shown_raw() -> None:
    """An extension tlslab does not know shows its bytes in hex."""
    oid = x509.ObjectIdentifier("1.3.6.1.4.1.55555.1")
    cert = _self_signed_with(x509.UnrecognizedExtension(oid, b"\x04\x02hi"))
    field = tlslab.describe(cert)["Extension 1.3.6.1.4.1.55555.1"]
    assert field.value == "04:02:68:69"


def test_aia_and_crl_points_are_explained() -> None:
    """AIA and CRL distribution points show their URLs."""
    url = x509.UniformResourceIdentifier
    ocsp = x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, url("http://ocsp.lab.test")
    )
    crl = x509.DistributionPoint([url("http://crl.lab.test/ca.crl")], None, None, None)
    cert = _self_signed_with(
        x509.AuthorityInformationAccess([ocsp]), x509.CRLDistributionPoints([crl])
    )
    desc = tlslab.describe(cert)
    assert "URI:http://ocsp.lab.test" in desc["Authority information access"].value
    assert desc["CRL distribution points"].value == "URI:http://crl.lab.test/ca.crl"


def test_rows_are_dicts_for_code(site) -> None:
    """rows() gives one dict per field with the field's value."""
    rows = tlslab.describe(site.cert).rows()
    assert rows[0]["field"] == "Version" and rows[0]["value"] == "v3"


def test_html_is_a_table(site) -> None:
    """The Jupyter view is an HTML table with the meanings."""
    assert "<table " in tlslab.describe(site.cert)._repr_html_()


def test_describe_refuses_other_things() -> None:
    """A number is refused with a message that lists what describe() accepts."""
    with pytest.raises(tlslab.InvalidArgument, match="describe\\(\\) cannot read 42"):
        tlslab.describe(42)


def test_missing_field_names_the_fields(site) -> None:
    """Asking for a field that is not there lists the fields there are."""
    with pytest.raises(KeyError, match="the fields are: Version"):
        tlslab.describe(site.cert)["Colour"]


def test_ipython_plain_text_is_the_full_text(site) -> None:
    """IPython's plain-text view shows the same text as print()."""
    from IPython.lib.pretty import pretty

    desc = tlslab.describe(site.cert)
    assert pretty(desc) == str(desc)


def test_repr_is_short(site) -> None:
    """repr() names the description and counts its fields."""
    assert repr(tlslab.describe(site.cert)).startswith(
        "<Description: Certificate for 'localhost' ("
    )
