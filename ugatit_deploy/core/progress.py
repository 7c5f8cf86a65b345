"""Progress bars for long steps: tqdm on stderr, drawn only on a terminal and when asked for, so that tests, logs
and piped output stay clean; ``above`` lets log lines print over a bar without breaking it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from tqdm import tqdm


def progress_bar(iterable: Iterable[Any] | None = None, *, desc: str, unit: str, total: int | None = None,
                 enabled: bool = True) -> tqdm:  # fmt: skip
    """A tqdm bar on stderr that goes away when done; off when ``enabled`` is False or stderr is no terminal."""
    return tqdm(iterable, desc=desc, unit=unit, total=total, file=sys.stderr, disable=None if enabled else True,
                leave=False, dynamic_ncols=True)  # fmt: skip


def above(bar: tqdm, log: Callable[[str], None]) -> Callable[[str], None]:
    """``log`` that clears the shown bars while it writes, so a message never lands inside a bar."""
    if bar.disable:
        return log

    def write(message: str) -> None:
        with tqdm.external_write_mode():
            log(message)

    return write
