#!/usr/bin/env python3
"""Set up the environment and run newsbot or its checks; needs nothing but Python 3.11+.

    python3 dev.py run [ARGS...]   create .venv, install newsbot, run `newsbot run --once ARGS`
    python3 dev.py test [ARGS...]  create .venv with the dev extras, run ruff, mypy and pytest

The virtual environment is reused while pyproject.toml is unchanged (a hash stamp decides).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _ensure_env(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run on any python3
        sys.exit(f"newsbot needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".stamp-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"installing newsbot{f'[{extras}]' if extras else ''} into {VENV} ...", flush=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-e", target],
        cwd=ROOT, check=True,
    )
    stamp.write_text(digest)


def _run(*args: str) -> int:
    return subprocess.run(list(args), cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        _ensure_env("")
        return _run(str(BIN / "newsbot"), "run", "--once", *rest)
    _ensure_env("dev")
    for step in (
        [str(BIN / "ruff"), "check", "bot", "adapters", "tests", "bench", "dev.py"],
        [str(BIN / "mypy"), "bot"],
    ):
        code = _run(*step)
        if code:
            return code
    return _run(str(BIN / "python"), "-m", "pytest", *rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
