"""``import tlslab``: how long it takes, and what in it is not needed yet.

Each figure comes from fresh processes, since a module is imported once per
process. Wall times subtract an interpreter that imports nothing, measured in
the same rounds. ``python -X importtime`` attributes the time to top-level
packages, which shows what a learner's first cell pays for: tlslab loads
Twisted and crochet (needed only once a server or client runs) and the
widgets (needed only when one is shown) on first use, so they should not
appear in it.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from .common import ROOT, Settings, row

AREA = "imports"
TITLE = "Import time"

NETWORK = {
    "twisted",
    "crochet",
    "OpenSSL",
    "service_identity",
    "zope",
    "automat",
    "constantly",
    "hyperlink",
    "incremental",
    "wrapt",
    "attr",
    "attrs",
    "pyasn1",
    "pyasn1_modules",
}
WIDGETS = {
    "ipywidgets",
    "IPython",
    "traitlets",
    "comm",
    "jupyter_core",
    "jupyter_client",
    "ipykernel",
    "matplotlib_inline",
    "prompt_toolkit",
    "pygments",
    "jedi",
    "parso",
    "decorator",
    "pexpect",
    "ptyprocess",
    "stack_data",
    "executing",
    "asttokens",
    "pure_eval",
    "wcwidth",
    "psutil",
    "zmq",
    "tornado",
    "dateutil",
}

KERNEL_IMPORT = (
    "import time, ipykernel.ipkernel, ipywidgets.widgets.widget\n"
    "start = time.perf_counter()\n"
    "import tlslab\n"
    "print(time.perf_counter() - start)\n"
)
KERNEL_NETWORK = (
    "import time, ipykernel.ipkernel\n"
    "start = time.perf_counter()\n"
    "import crochet, service_identity.pyopenssl, twisted.internet.ssl\n"
    "import twisted.protocols.tls\n"
    "print(time.perf_counter() - start)\n"
)
FIRST_CELL = (
    "import time\n"
    "start = time.perf_counter()\n"
    "import tlslab\n"
    "tlslab.CertificateAuthority.create('bench CA').issue('localhost')\n"
    "print(time.perf_counter() - start)\n"
)

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def _python(code: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *options, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )


def _wall(code: str) -> float:
    start = time.perf_counter()
    _python(code)
    return time.perf_counter() - start


def _breakdown(code: str) -> tuple[dict[str, float], float, dict[str, float]]:
    """Self time per top-level package, tlslab's cumulative, and its children's.

    The children are the ``tlslab.*`` modules that ``tlslab/__init__.py``
    imports first, each with everything it pulled in (seconds).
    """
    groups: dict[str, float] = defaultdict(float)
    children: dict[str, float] = {}
    tlslab_total = 0.0
    for text in _python(code, "-X", "importtime").stderr.splitlines():
        match = _LINE.match(text)
        if not match:
            continue
        own, cumulative, indent, module = match.groups()
        top = module.split(".")[0]
        groups[top] += int(own) / 1e6
        if module == "tlslab":
            tlslab_total = int(cumulative) / 1e6
        elif module.startswith("tlslab.") and len(indent) <= 3:
            children[module] = int(cumulative) / 1e6
    return dict(groups), tlslab_total, children


def _medians(code: str, times: int) -> tuple[dict[str, float], float, dict[str, float]]:
    runs = [_breakdown(code) for _ in range(times)]

    def median_of(index: int) -> dict[str, float]:
        names = set().union(*(run[index] for run in runs))
        return {
            name: statistics.median(run[index].get(name, 0.0) for run in runs)
            for name in names
        }

    total = statistics.median(run[1] for run in runs)
    return median_of(0), total, median_of(2)


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Measure import tlslab in plain Python and in a kernel-like process."""
    rounds = settings.pick(8, 2)
    walls: dict[str, list[float]] = {
        "nothing": [],
        "tlslab": [],
        "cryptography": [],
        "ipywidgets": [],
        "twisted": [],
    }
    codes = {
        "nothing": "pass",
        "tlslab": "import tlslab",
        "cryptography": "import cryptography.x509",
        "ipywidgets": "import ipywidgets",
        "twisted": "import crochet, twisted.internet.ssl",
    }
    kernel, first, network_in_kernel = [], [], []
    for index in range(rounds):
        order = list(codes)
        shift = index % len(order)
        for name in order[shift:] + order[:shift]:
            walls[name].append(_wall(codes[name]))
        kernel.append(float(_python(KERNEL_IMPORT).stdout))
        first.append(float(_python(FIRST_CELL).stdout))
        network_in_kernel.append(float(_python(KERNEL_NETWORK).stdout))

    def net(name: str) -> list[float]:
        return [a - b for a, b in zip(walls[name], walls["nothing"], strict=True)]

    groups, tlslab_total, children = _medians("import tlslab", settings.pick(5, 1))
    network = sum(v for k, v in groups.items() if k in NETWORK)
    widgets = sum(v for k, v in groups.items() if k in WIDGETS)
    rows = [
        row("python -c pass (interpreter floor)", walls["nothing"]),
        row("import tlslab, plain Python (wall - floor)", net("tlslab")),
        row("import tlslab after ipykernel and ipywidgets (as in a kernel)", kernel),
        row("first cell: import tlslab + CA + issue (in process)", first),
        row(
            "import cryptography.x509 (wall - floor): the core's floor",
            net("cryptography"),
        ),
        row("import crochet + twisted.internet.ssl (wall - floor)", net("twisted")),
        row("import ipywidgets (wall - floor)", net("ipywidgets")),
        row(
            "Twisted, crochet, pyOpenSSL after ipykernel: what lazy imports defer",
            network_in_kernel,
        ),
    ]
    top = sorted(groups.items(), key=lambda item: -item[1])[:10]
    notes = [
        f"python -X importtime: import tlslab takes {tlslab_total * 1e3:.0f} ms "
        "cumulative; self time by top-level package: "
        + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in top)
        + ".",
        f"Of that, Twisted, crochet, pyOpenSSL and their dependencies take "
        f"{network * 1e3:.0f} ms and the widgets (with IPython and traitlets) "
        f"{widgets * 1e3:.0f} ms of it"
        + (
            "; tlslab loads them on first use, so a learner's first cell does "
            "not wait for them."
            if network + widgets < 0.01
            else "; lazy imports would take these out of a learner's first "
            "cell until a server, client or widget is used."
        ),
        "The modules tlslab/__init__.py imports, each with what it pulls in "
        "first (-X importtime, cumulative): "
        + ", ".join(
            f"{k} {v * 1e3:.0f} ms"
            for k, v in sorted(children.items(), key=lambda item: -item[1])[:8]
        )
        + ".",
        "Inside a kernel, IPython, traitlets and comm are loaded already, so "
        "the widgets cost less there than in plain Python (second row vs third).",
    ]
    labels = [k for k, _ in top]
    plot = {
        "title": "import tlslab: self time by package (-X importtime)",
        "ylabel": "ms",
        "labels": labels,
        "series": {"self time": [groups[k] * 1e3 for k in labels]},
        "hline": None,
        "horizontal": True,
    }
    details = {
        "importtime_self_ms": {k: round(v * 1e3, 2) for k, v in groups.items()},
        "tlslab_cumulative_ms": round(tlslab_total * 1e3, 1),
        "tlslab_children_ms": {k: round(v * 1e3, 1) for k, v in children.items()},
        "network_ms": round(network * 1e3, 1),
        "widgets_ms": round(widgets * 1e3, 1),
        "plot": plot,
    }
    return rows, notes, details
