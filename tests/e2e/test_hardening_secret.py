"""The published default LOKET_SECRET_KEY signs a 'just booked' cookie anyone can forge (issue 21):
outside the demo, `loket serve` refuses to start with it; a key file is read only if nobody but
its owner can read it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loket.settings import DEFAULT_SECRET_KEY, InsecureSecret, Settings, with_secret

from .test_server import free_port


def _serve(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_SECRET")}
    env.update({"LOKET_DATABASE_URL": f"sqlite:///{tmp_path / 'l.db'}", **extra})
    return subprocess.run(
        [sys.executable, "-m", "loket", "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_the_default_secret_key(tmp_path: Path) -> None:
    refused = _serve(tmp_path)
    assert refused.returncode == 2
    assert "LOKET_SECRET_KEY" in refused.stderr and "default" in refused.stderr


def test_serve_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    key = tmp_path / "secret"
    key.write_text("k" * 48)
    key.chmod(0o644)
    refused = _serve(tmp_path, LOKET_SECRET_KEY_FILE=str(key))
    assert refused.returncode == 2 and "chmod 600" in refused.stderr


def test_the_key_comes_from_the_setting_or_the_owners_file(tmp_path: Path) -> None:
    key = tmp_path / "secret"
    key.write_text("f" * 48 + "\n")
    key.chmod(0o600)
    assert with_secret(Settings(secret_key_file=str(key))).secret_key == "f" * 48
    assert with_secret(Settings(secret_key="s" * 40)).secret_key == "s" * 40
    with pytest.raises(InsecureSecret):
        with_secret(Settings(secret_key="short"))
    with pytest.raises(InsecureSecret):
        with_secret(Settings(secret_key_file=str(tmp_path / "missing")))
    with pytest.raises(InsecureSecret):
        with_secret(Settings())
    # The demo may run with the default (it says so: LOKET_DEMO=true).
    assert with_secret(Settings(demo=True)).secret_key == DEFAULT_SECRET_KEY
