"""The lab's widgets: inspect, compare and build certificates; drive a server.

Built from ipywidgets' own widgets only (no custom JavaScript), so they work
in JupyterLab 4, Notebook 7, on Binder and on JupyterHub. Importing this
package imports ipywidgets; ``import tlslab`` alone does not.

    >>> from tlslab import widgets
    >>> widgets.inspect(site)                # fields, lint, PEM, chain
    >>> widgets.compare(old.cert, new.cert)  # differences highlighted
    >>> builder = widgets.CertificateBuilder(ca)
    >>> widgets.ServerPanel(site, trust=ca)

All widgets are meant to be used from the notebook's main thread.
"""

from __future__ import annotations

from typing import Any

from .builder import CertificateBuilder
from .inspector import CertificateComparison, CertificateInspector
from .server_panel import ServerPanel

__all__ = [
    "CertificateBuilder",
    "CertificateComparison",
    "CertificateInspector",
    "ServerPanel",
    "compare",
    "inspect",
]


def inspect(
    obj: Any, *, purpose: str = "server", profile: str = "lab"
) -> CertificateInspector:
    """A :class:`CertificateInspector` showing ``obj``.

    Raises:
        InvalidArgument: ``obj`` holds no certificate.
        LoadError: a path could not be read.
    """
    return CertificateInspector(obj, purpose=purpose, profile=profile)


def compare(
    left: Any,
    right: Any,
    *,
    labels: tuple[str, str] = ("left", "right"),
    purpose: str = "server",
    profile: str = "lab",
) -> CertificateComparison:
    """A :class:`CertificateComparison` of two certificates (or credentials).

    Raises:
        InvalidArgument: an argument holds no certificate.
    """
    return CertificateComparison(
        left, right, labels=labels, purpose=purpose, profile=profile
    )
