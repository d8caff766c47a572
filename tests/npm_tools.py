"""npm packages the tests drive (the official AsyncAPI parser, dcrf-client), pinned and installed once.

Each lives in a folder of ``tests/`` with its ``package.json`` and ``package-lock.json``, and is installed
with ``npm ci`` into ``<venv>/share/gql_channels/<name>`` the first time a test needs it (again when the
lock changes): never into the repository.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest


def skip_or_fail(reason: str) -> NoReturn:
    """A developer without node/npm gets a skip; CI, which must have them, a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def node() -> str:
    """The ``node`` executable."""
    found = shutil.which("node")
    if found is None or shutil.which("npm") is None:
        skip_or_fail("node and npm are needed to run the npm tools of the tests (apt-get install nodejs npm)")
    return found


def install(source: Path, name: str) -> Path:
    """``source`` 's pinned packages installed (``npm ci``), with its other files beside them; return the folder."""
    node()
    target = Path(sys.prefix) / "share" / "gql_channels" / name
    lock = hashlib.sha256((source / "package-lock.json").read_bytes()).hexdigest()
    marker = target / ".installed-lock"
    if not (marker.is_file() and marker.read_text() == lock):
        target.mkdir(parents=True, exist_ok=True)
        marker.unlink(missing_ok=True)
        for file in ("package.json", "package-lock.json"):
            shutil.copyfile(source / file, target / file)
        # --ignore-scripts: no tool needs a build step, and a dependency's postinstall phones home.
        command = [shutil.which("npm") or "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        done = subprocess.run(command, cwd=target, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            skip_or_fail(f"`npm ci` of {name} failed in {target}:\n{done.stdout}{done.stderr}")
        marker.write_text(lock)
    for file in source.iterdir():
        if file.is_file() and file.suffix in (".js", ".mjs"):
            shutil.copyfile(file, target / file.name)
    return target
