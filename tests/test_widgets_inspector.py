"""The inspector and the comparison, driven without a browser."""

from __future__ import annotations

import datetime as dt

import pytest

import tlslab
from tlslab import widgets
from tlslab.custom import Spec, issue

NOW = dt.datetime.now(dt.timezone.utc)


def _no_san_leaf() -> tlslab.Credentials:
    """A self-signed leaf without a subjectAltName (the core refuses to make one)."""
    spec = Spec(
        "localhost", (), NOW - dt.timedelta(minutes=5), NOW + dt.timedelta(days=30)
    )
    return issue(spec, tlslab.new_key())


def test_chain_members_are_offered_in_the_selector(site) -> None:
    """Credentials with an intermediate offer two certificates to choose from."""
    inspector = widgets.inspect(site)
    assert [label for label, _ in inspector.selector.options] == [
        "[0] localhost",
        "[1] tlslab Test Intermediate CA",
    ]


def test_extensions_are_collapsible_sections(site) -> None:
    """Each extension is a section of the accordion, critical ones marked."""
    titles = widgets.inspect(site).extensions.titles
    assert "Basic constraints (critical): CA:FALSE" in titles


def test_fields_are_grouped_with_meanings(site) -> None:
    """The overview groups fields under headings and explains them."""
    html = widgets.inspect(site).overview.value
    assert "<b>Validity</b>" in html and "subjectAltName" in html


def test_selecting_the_intermediate_lints_it_as_a_ca(site) -> None:
    """Choosing a chain member above the leaf checks it as a CA."""
    inspector = widgets.inspect(site)
    inspector.selector.value = 1
    assert (inspector.report.purpose, inspector.certificate) == ("ca", site.chain[0])


def test_changing_the_purpose_lints_again(site) -> None:
    """A server certificate checked as a client certificate shows wrong-eku."""
    inspector = widgets.inspect(site)
    inspector.purpose.value = "client"
    assert "wrong-eku" in inspector.report


def test_lint_tab_shows_severity_in_words_and_colour() -> None:
    """A certificate without SAN shows an ERROR badge in the lint colour."""
    inspector = widgets.inspect(_no_san_leaf())
    assert "background:#b00020" in inspector.lint_view.value
    assert (
        "ERROR" in inspector.lint_view.value and "no-san" in inspector.lint_view.value
    )


def test_header_summarises_the_findings() -> None:
    """The header counts errors in words."""
    assert "1 error" in widgets.inspect(_no_san_leaf()).header.value


def test_pem_tab_holds_the_pem(site) -> None:
    """The PEM tab shows the selected certificate's PEM."""
    inspector = widgets.inspect(site)
    first_line = site.cert_pem().decode().splitlines()[1]
    assert first_line in inspector.pem_view.value


def test_chain_view_checks_each_link(site) -> None:
    """The chain view says the leaf is signed by the next certificate."""
    assert "signed by the next certificate" in widgets.inspect(site).chain_view.value


def test_chain_view_spots_a_wrong_order(site, ca) -> None:
    """A chain given root first is reported as out of order."""
    inspector = widgets.inspect([ca.cert, site.cert])
    assert "the order is wrong" in inspector.chain_view.value


def test_private_key_is_never_shown(site) -> None:
    """No part of the inspector holds the private value or the key PEM."""
    inspector = widgets.inspect(site)
    shown = "".join(
        w.value
        for w in (
            inspector.header,
            inspector.overview,
            inspector.lint_view,
            inspector.pem_view,
            inspector.chain_view,
        )
    )
    secret = format(site.key.private_numbers().private_value, "x")
    assert secret not in shown and "PRIVATE KEY" not in shown


def test_expired_certificate_says_so_in_the_header(ca) -> None:
    """An expired leaf's header says 'expired N days ago'."""
    old = ca.issue("localhost", not_after=NOW - dt.timedelta(days=3, hours=1), days=30)
    assert "expired 3 days ago" in widgets.inspect(old).header.value


def test_a_ca_is_checked_as_a_ca(intermediate) -> None:
    """Inspecting a CertificateAuthority sets the purpose to ca."""
    assert widgets.inspect(intermediate).purpose.value == "ca"


def test_show_replaces_the_certificate(site, ca) -> None:
    """show() puts a new certificate in the same widget."""
    inspector = widgets.inspect(site)
    inspector.show(ca.cert)
    assert (inspector.certificate, inspector.selector.layout.display) == (
        ca.cert,
        "none",
    )


def test_inspector_reads_a_pem_file(site, tmp_path) -> None:
    """A PEM path with a key and a chain is shown as credentials."""
    path = tmp_path / "site.pem"
    path.write_bytes(site.to_pem())
    inspector = widgets.inspect(path)
    assert inspector.certificates == list(site.fullchain)


def test_inspector_refuses_what_is_not_a_certificate() -> None:
    """A number is refused with a message naming it."""
    with pytest.raises(tlslab.InvalidArgument, match="cannot show 7"):
        widgets.inspect(7)


def test_comparison_highlights_the_differences(ca) -> None:
    """Two leaves that differ in names and key differ in those fields."""
    left = ca.issue("localhost")
    right = ca.issue("localhost", "127.0.0.1", key_type="rsa")
    comparison = widgets.compare(left, right)
    assert {"Subject alternative names (SAN)", "Public key", "Key size"} <= set(
        comparison.differences
    )


def test_comparison_marks_changed_rows(ca) -> None:
    """Differing rows carry the highlight colour."""
    comparison = widgets.compare(ca.issue("a.test"), ca.issue("b.test"))
    assert "background:#fff3b0" in comparison.table.value


def test_comparison_of_a_certificate_with_itself_is_empty(site) -> None:
    """The same certificate twice has no differences."""
    assert widgets.compare(site.cert, site.cert).differences == []


def test_comparison_shows_an_absent_extension(site) -> None:
    """An extension only one side has is shown as absent on the other."""
    comparison = widgets.compare(site, _no_san_leaf())
    assert "(absent)" in comparison.table.value


def test_widgets_are_reachable_from_the_package() -> None:
    """tlslab.CertificateInspector is the widget class, loaded on demand."""
    assert tlslab.CertificateInspector is widgets.CertificateInspector
