"""environment.yml (conda, Binder, JupyterHub) agrees with pyproject.toml, offline."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CONDA_ONLY = {"python", "pip", "openssl", "curl"}


def normalise(requirement: str) -> str:
    """The bare package name, lower case, with '_' and '.' read as '-'."""
    name = re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def environment() -> dict:
    """environment.yml, parsed."""
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def pyproject() -> dict:
    """pyproject.toml, parsed."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def conda_names() -> set[str]:
    """The conda dependency names (not the pip section)."""
    return {normalise(d) for d in environment()["dependencies"] if isinstance(d, str)}


def test_channels_are_conda_forge_only() -> None:
    """conda-forge comes first and the defaults channel is switched off."""
    assert environment()["channels"] == ["conda-forge", "nodefaults"]


def test_python_pin_in_repo2docker_form() -> None:
    """Python is pinned as python=X.Y, the only form repo2docker reads."""
    pins = [d for d in environment()["dependencies"] if str(d).startswith("python")]
    assert len(pins) == 1 and re.fullmatch(r"python=3\.\d+", pins[0])


def test_pinned_python_is_supported() -> None:
    """The pinned Python satisfies the project's requires-python."""
    pin = next(d for d in environment()["dependencies"] if str(d).startswith("python="))
    minor = int(pin.split(".")[1])
    floor = int(pyproject()["project"]["requires-python"].split(".")[1])
    assert minor >= floor


def test_runtime_dependencies_agree() -> None:
    """Every runtime dependency of pyproject.toml is in environment.yml."""
    wanted = {normalise(d) for d in pyproject()["project"]["dependencies"]}
    assert wanted <= conda_names()


def test_lab_dependencies_agree() -> None:
    """The lab extra (JupyterLab, ipykernel) is in environment.yml too."""
    wanted = {
        normalise(d) for d in pyproject()["project"]["optional-dependencies"]["lab"]
    }
    assert wanted <= conda_names()


def test_no_conda_extras_beyond_pyproject() -> None:
    """environment.yml adds nothing but Python, pip and the CLI tools."""
    project = pyproject()["project"]
    known = {normalise(d) for d in project["dependencies"]}
    known |= {normalise(d) for d in project["optional-dependencies"]["lab"]}
    assert conda_names() - known <= CONDA_ONLY


def test_pip_installs_the_package() -> None:
    """The pip section installs tlslab itself in editable mode."""
    pip = next(d for d in environment()["dependencies"] if isinstance(d, dict))
    assert pip["pip"] == ["-e ."]
