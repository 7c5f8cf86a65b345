"""stderr as a terminal, for the progress bars (``core.progress``) that only a terminal gets."""

from __future__ import annotations

import io
import sys

import pytest


class Terminal(io.StringIO):
    """A text stream that says it is a terminal and keeps what is written to it."""

    def isatty(self) -> bool:
        return True


def stderr_as(monkeypatch: pytest.MonkeyPatch, stream: io.StringIO) -> io.StringIO:
    """``stream`` as sys.stderr for the rest of the test. Call it in the test itself: pytest's capture sets
    sys.stderr again between a fixture and the test."""
    monkeypatch.setattr(sys, "stderr", stream)
    return stream
