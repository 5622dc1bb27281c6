"""Binder builds the lab from the root environment.yml, as repo2docker plans it.

``repo2docker --no-build --debug`` prints the Dockerfile it would build
without needing Docker, so the test reads the plan rather than an image.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.hub


@pytest.fixture(scope="module")
def dockerfile() -> str:
    """The Dockerfile repo2docker would build for this repository."""
    repo2docker = Path(sys.executable).parent / "repo2docker"
    if not repo2docker.exists() and shutil.which("repo2docker") is None:
        pytest.skip("repo2docker is not installed; run `make hubtest`")
    command = [str(repo2docker), "--no-build", "--no-run", "--debug", str(ROOT)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout + done.stderr


def test_binder_uses_the_conda_environment(dockerfile: str) -> None:
    """repo2docker picks the conda build pack with environment.yml's Python."""
    assert "Building conda environment for python=3.12" in dockerfile


def test_binder_installs_tlslab_after_copying_the_repository(dockerfile: str) -> None:
    """environment.yml's `pip: -e .` runs after the repository is in the image."""
    copied = dockerfile.index("COPY --chown=0:0 src/")
    installed = dockerfile.index('--file "environment.yml"')
    assert copied < installed
