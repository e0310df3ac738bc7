"""Standard streams that fail politely.

Output can fail in many ways a shell makes easy: `> /dev/full`, a disk that fills up,
`>&-` (no stdout at all), `| head -1` (the reader goes away), `PYTHONIOENCODING=ascii`.
`guard_streams()` puts stdout behind a wrapper that turns a failed write into one
`OutputError`, and a broken pipe into `ReaderGone` (which the CLI ends quietly, exit 0;
not an OSError, so that no library on the way turns it into exit 1), makes
characters the encoding cannot hold print as escapes instead of raising, and gives a
missing stderr a sink, so that a warning can never crash a run.
"""

from __future__ import annotations

import errno
import os
import sys

from rnncli.errors import RnnCliError


class OutputError(RnnCliError):
    """Standard output could not be written (full disk, closed descriptor, ...)."""

    def __init__(self, exc: OSError):
        super().__init__(f"cannot write output: {exc.strerror or exc}")


class ReaderGone(Exception):
    """The program reading our standard output has exited (`| head -1`)."""


class _ClosedStream:
    """What stdout is when the shell closed it (`>&-`): every write fails with EBADF."""

    encoding = "utf-8"
    closed = False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


class GuardedOutput:
    """A text stream wrapper: failed writes and flushes become OutputError."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise ReaderGone() from None
        except OSError as exc:
            raise OutputError(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise ReaderGone() from None
        except OSError as exc:
            raise OutputError(exc) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class ForgivingOutput(GuardedOutput):
    """stderr: a progress line or warning that cannot be written (`2> /dev/full`, `2>&-`)
    is dropped; there is no one left to tell, and the work itself is fine."""

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass


def _escape_unencodable(stream) -> None:
    if hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (OSError, ValueError):
            pass


def guard_streams() -> None:
    """Install the wrappers on sys.stdout and sys.stderr (once per process)."""
    if isinstance(sys.stdout, GuardedOutput):
        return
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    _escape_unencodable(sys.stderr)
    sys.stderr = ForgivingOutput(sys.stderr)
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    _escape_unencodable(sys.stdout)
    sys.stdout = GuardedOutput(sys.stdout)


def silence_stdout() -> None:
    """After a broken pipe or a failed write: nothing more reaches stdout, and the
    interpreter's final flush has nothing left to fail on."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.stdout = open(os.devnull, "w", encoding="utf-8")


def write_stderr(line: str) -> None:
    """A line on stderr; if even that fails (`2> /dev/full`), there is no one left to tell."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
