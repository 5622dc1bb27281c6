"""Key generation and issuing: tlslab against the bare ``cryptography`` calls.

Issuing is timed with a fixed, pre-made leaf key, so the figure is the
certificate work alone (RSA key generation is a random search whose time has
a long tail, and would drown the overhead tlslab adds). Generation is timed on
its own; for RSA its ratio says little, since both sides run the same search.

The bare side builds the same certificate tlslab builds (same names,
extensions and signature hash) with ``x509.CertificateBuilder`` directly.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .common import Settings, interleave, row

AREA = "keys"
TITLE = "Key generation and issuing"
TARGET = 1.10

# label -> (tlslab.new_key arguments, bare generator)
KINDS: dict[str, tuple[dict[str, Any], Callable[[], Any]]] = {
    "EC P-256": ({"kind": "ec"}, lambda: ec.generate_private_key(ec.SECP256R1())),
    "EC P-384": (
        {"kind": "ec", "curve": "P-384"},
        lambda: ec.generate_private_key(ec.SECP384R1()),
    ),
    "Ed25519": ({"kind": "ed25519"}, ed25519.Ed25519PrivateKey.generate),
    "RSA 2048": (
        {"kind": "rsa"},
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ),
}


def _bare_hash(key: Any) -> hashes.HashAlgorithm | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def bare_issue(ca_key: Any, ca_name: x509.Name, leaf_key: Any) -> x509.Certificate:
    """Issue the leaf tlslab's ``ca.issue("localhost", "127.0.0.1")`` makes."""
    public = leaf_key.public_key()
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    sans = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=isinstance(public, rsa.RSAPublicKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(usage, critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(ca_key, _bare_hash(ca_key))


def _verdict(ratio_value: float) -> bool:
    return ratio_value < TARGET


def _generation_rows(settings: Settings) -> list[dict[str, Any]]:
    import tlslab

    rows = []
    for label, (arguments, bare) in KINDS.items():
        is_rsa = label.startswith("RSA")
        rounds = settings.pick(40 if is_rsa else 30, 3)
        number = 1 if is_rsa else settings.pick(40, 5)
        samples = interleave(
            {
                "tlslab": lambda a=arguments: tlslab.new_key(**a),
                "cryptography": bare,
            },
            rounds,
            number,
        )
        line = row(
            f"generate {label}",
            samples["tlslab"],
            peer="cryptography",
            peer_samples=samples["cryptography"],
            target=None if is_rsa else "ratio < 1.10",
        )
        if is_rsa:
            line["note"] = (
                "a random search: p10-p90 "
                f"{line['p10']:.0f}-{line['p90']:.0f} ms, so the ratio is noise"
            )
        else:
            line["passed"] = _verdict(line["ratio"])
        rows.append(line)
    return rows


def _issue_rows(settings: Settings) -> list[dict[str, Any]]:
    import tlslab

    rows = []
    for label, (arguments, _) in KINDS.items():
        ca = tlslab.CertificateAuthority.create(
            "bench CA", key=tlslab.new_key(**arguments)
        )
        leaf_key = tlslab.new_key(**arguments)
        samples = interleave(
            {
                "tlslab": lambda ca=ca, k=leaf_key: ca.issue(
                    "localhost", "127.0.0.1", key=k
                ),
                "cryptography": lambda ca=ca, k=leaf_key: bare_issue(
                    ca.key, ca.cert.subject, k
                ),
            },
            settings.pick(30, 3),
            settings.pick(20 if label.startswith("RSA") else 40, 3),
        )
        line = row(
            f"issue a leaf, {label} (fixed key, {label} CA)",
            samples["tlslab"],
            peer="cryptography",
            peer_samples=samples["cryptography"],
            target="ratio < 1.10",
        )
        line["passed"] = _verdict(line["ratio"])
        rows.append(line)
    return rows


def _profile_issue() -> list[str]:
    """Where tlslab's issue() spends time beyond the bare builder (cProfile)."""
    import cProfile
    import pstats

    import tlslab

    ca = tlslab.CertificateAuthority.create("bench CA")
    key = tlslab.new_key()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(300):
        ca.issue("localhost", "127.0.0.1", key=key)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    lines = []
    for (filename, _, function), entry in stats.stats.items():  # type: ignore[attr-defined]
        cumulative = entry[3]
        if "tlslab" in filename and function in {
            "general_names",
            "__post_init__",
            "check_key",
            "validity",
            "_sign",
        }:
            lines.append((cumulative / total, f"{function}"))
    lines.sort(reverse=True)
    return [f"{name}: {share:.0%}" for share, name in lines]


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Measure generation and issuing for each key type."""
    rows = _generation_rows(settings) + _issue_rows(settings)
    shares = _profile_issue()
    notes = [
        "Ratios are tlslab's time over the bare cryptography call's, the median "
        "of per-round ratios with both run in alternation.",
        "Issuing uses a pre-made leaf key and a CA of the same key type, so it "
        "times the certificate work alone; RSA generation is reported apart.",
        "Share of EC P-256 issue() time by tlslab step (cProfile, cumulative): "
        + ", ".join(shares)
        + ". _sign holds the cryptography builder and signature; __post_init__ "
        "is the Credentials check that the key fits the certificate.",
    ]
    ratios = [line for line in rows if "ratio" in line]
    plot = {
        "title": "tlslab time / bare cryptography time (target < 1.10)",
        "ylabel": "ratio",
        "labels": [line["metric"].split(" (")[0] for line in ratios],
        "series": {"tlslab / cryptography": [line["ratio"] for line in ratios]},
        "hline": TARGET,
    }
    return rows, notes, {"profile_issue_ec": shares, "plot": plot}
