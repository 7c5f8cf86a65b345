"""The Triton runtime ``serve`` uses (``serving.triton_runtime``): the version make installs, a missing server."""

from __future__ import annotations

import pytest
from support.paths import REPO


def test_make_installs_the_server_version_serve_names():
    from ugatit_deploy.serving.triton_runtime import PYTRITON_VERSION

    makefile = (REPO / "Makefile").read_text()
    assert f"PYTRITON ?= nvidia-pytriton=={PYTRITON_VERSION}" in makefile and '--no-deps "$(PYTRITON)"' in makefile


def test_without_the_server_serve_says_how_to_install_it(monkeypatch):
    import importlib.util

    from ugatit_deploy.core.errors import UnavailableError
    from ugatit_deploy.serving import triton_runtime

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pytriton" else real(name, *a))
    with pytest.raises(UnavailableError, match=r"pip install --no-deps nvidia-pytriton==0\.7\.0"):
        triton_runtime.find_runtime()
