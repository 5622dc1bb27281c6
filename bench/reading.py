"""Reading certificates: describe, lint, the inspector, and the builder's re-render.

Measured inside a real kernel, as a learner meets them: a widget's every
change is also serialised to the front end through the kernel. Each builder
figure is one change of one field, from setting the control's value to the
builder having issued again and refreshed its inspector and lint findings.
The builder is signed by an EC P-256 intermediate and holds an EC P-256 key.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .common import Settings, row
from .kernel import run_json, running_kernel

AREA = "reading"
TITLE = "Reading certificates: describe, lint and the widgets"
TARGET_MS = 50.0

CODE = r"""
import datetime as dt, json, time
import tlslab
from tlslab import widgets

N = __N__
ca = tlslab.CertificateAuthority.create("bench Root CA")
inter = ca.intermediate("bench Intermediate CA")
site = inter.issue("localhost", "127.0.0.1")

def times(fn, n=N):
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out

res = {}
tlslab.describe(site.cert), tlslab.lint(site.cert), widgets.inspect(site)
res["describe(leaf certificate)"] = times(lambda: tlslab.describe(site.cert))
res["describe(credentials: leaf + chain + key)"] = times(lambda: tlslab.describe(site))
res["lint(leaf certificate)"] = times(lambda: tlslab.lint(site.cert))
res["widgets.inspect(site): a new inspector"] = times(lambda: widgets.inspect(site))
res["CertificateBuilder(ca): a new builder"] = times(
    lambda: widgets.CertificateBuilder(inter), max(3, N // 3))

builder = widgets.CertificateBuilder(inter)
today = dt.date.today()
signer_count = len(builder.signer.options)
changes = {
    "common name": (builder.common_name, "value", ["bench-a", "bench-b"]),
    "SAN names": (builder.names, "value", ["localhost, 127.0.0.1", "localhost, ::1"]),
    "not after": (builder.not_after, "value",
                  [today + dt.timedelta(days=30), today + dt.timedelta(days=60)]),
    "key usage": (builder.key_usage, "value",
                  [("digitalSignature", "keyEncipherment"), ("digitalSignature",)]),
    "signer (CA / self-signed)": (builder.signer, "index", [0, signer_count - 1]),
    "profile (server / client)": (builder.profile, "value", ["client", "server"]),
    "key type EC P-256 / P-384 (new key)": (builder.key_type, "value",
                                            ["EC P-384", "EC P-256"]),
}
issued = {}
for label, (control, attribute, values) in changes.items():
    out, before = [], builder.issued
    if getattr(control, attribute) == values[0]:
        values = values[::-1]  # every change must really change the value
    for index in range(N):
        value = values[index % 2]
        start = time.perf_counter()
        setattr(control, attribute, value)
        out.append(time.perf_counter() - start)
    issued[label] = [builder.issued - before, builder.error]
    res["builder re-render: " + label] = out
print(json.dumps({"times": res, "issued": issued}))
"""


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Time describe, lint, the inspector and each builder field change."""
    n = settings.pick(30, 3)
    with (
        tempfile.TemporaryDirectory() as folder,
        running_kernel(Path(folder)) as (_, client),
    ):
        found = run_json(client, CODE.replace("__N__", str(n)))
    rows = []
    for label, samples in found["times"].items():
        line = row(label, samples)
        if label.startswith("builder re-render") and "key type" not in label:
            line["target"] = "< 50 ms (EC key)"
            line["passed"] = line["median"] < TARGET_MS
        done, error = found["issued"].get(label.split(": ", 1)[-1], [None, ""])
        if done is not None:
            line["note"] = f"{done} of {len(samples)} changes re-issued" + (
                f"; last error: {error}" if error else ""
            )
        rows.append(line)
    builder_rows = [r for r in rows if r["metric"].startswith("builder re-render")]
    plot = {
        "title": "builder: one field change, re-issue + re-render (target 50 ms)",
        "ylabel": "ms",
        "labels": [r["metric"].split(": ", 1)[1] for r in builder_rows],
        "series": {"median": [r["median"] for r in builder_rows]},
        "hline": TARGET_MS,
        "horizontal": True,
    }
    notes = [
        "Measured in an ipykernel (started by jupyter_client, no front end "
        "attached), so widget updates are serialised as comm messages as in "
        "a lab; the browser's own rendering is not included.",
        "The key type row makes a new key on every change; the other rows "
        "reuse the builder's key, as the builder does.",
    ]
    return rows, notes, {"issued": found["issued"], "plot": plot}
