"""Progress bars (``core.progress``): on stderr, drawn only on a terminal and when asked for; log lines above them."""

from __future__ import annotations

import io

from support.terminal import Terminal, stderr_as

from ugatit_deploy.core.progress import above, progress_bar


def test_a_bar_is_drawn_on_a_terminal_and_cleared_when_done(monkeypatch):
    terminal = stderr_as(monkeypatch, Terminal())
    assert list(progress_bar(range(3), desc="measuring", unit="mode")) == [0, 1, 2]
    drawn, cleared = terminal.getvalue().strip("\r").split("\r")
    assert drawn.startswith("measuring:   0%|") and "| 0/3 [" in drawn and drawn.endswith("mode/s]")
    assert cleared.strip() == ""


def test_no_bar_when_not_asked_for(monkeypatch):
    terminal = stderr_as(monkeypatch, Terminal())
    assert list(progress_bar(range(3), desc="measuring", unit="mode", enabled=False)) == [0, 1, 2]
    assert terminal.getvalue() == ""


def test_no_bar_when_stderr_is_no_terminal(monkeypatch):
    stream = stderr_as(monkeypatch, io.StringIO())
    assert list(progress_bar(range(3), desc="measuring", unit="mode")) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_log_lines_go_through_whole_above_a_bar(monkeypatch):
    terminal = stderr_as(monkeypatch, Terminal())
    lines: list[str] = []
    with progress_bar(range(2), desc="measuring", unit="mode") as bar:
        write = above(bar, lines.append)
        for index in bar:
            write(f"  mode {index}: ok")
    assert lines == ["  mode 0: ok", "  mode 1: ok"]
    assert terminal.getvalue().count("measuring:") == 3  # drawn; cleared for each line and drawn again


def test_without_a_bar_the_log_is_the_callers_own():
    with progress_bar(range(1), desc="measuring", unit="mode", enabled=False) as bar:
        assert above(bar, print) is print
