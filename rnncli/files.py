"""Output files: checked before any work starts, then written atomically.

`check_outputs` refuses, before a run spends a minute or an hour, every output that could
not be written or that would destroy an input: a folder, a missing parent folder, a folder
we cannot write in, and above all a path that is (after symlinks, or as a hard link) the
same file as one of the run's inputs or another of its outputs.

`write_atomic` writes a temporary file in the same folder, fsyncs, then renames, so a
reader (or a Ctrl-C) never sees half a file and an existing file is replaced whole or not
at all. Temporary files carry the writer's process id; ones left by a killed process are
removed the next time the same output is written.
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from rnncli.errors import RnnCliError

Named = tuple[str, "str | os.PathLike | None"]  # (option, path), e.g. ("--out", "model.safetensors")


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def _is_file_input(path) -> bool:
    return path is not None and not str(path).startswith("nltk:") and str(path) != "-"


def check_outputs(outputs: list[Named], inputs: list[Named]) -> None:
    """Raise RnnCliError (exit 1) unless every output can be written without touching an input."""
    outputs = [(option, Path(path)) for option, path in outputs if path is not None]
    inputs = [(option, Path(path)) for option, path in inputs if _is_file_input(path)]
    for i, (option, path) in enumerate(outputs):
        for other_option, other in inputs + outputs[:i]:
            if _same_file(path, other):
                raise RnnCliError(f"{option} {path} is the same file as {other_option} {other}; "
                                  "choose another output path (rnncli never overwrites its inputs)")
        if path.is_dir():
            raise RnnCliError(f"{option} {path}: is a folder; give a file path")
        parent = path.parent
        if not parent.is_dir():
            raise RnnCliError(f"{option} {path}: folder {parent} does not exist")
        try:
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise RnnCliError(f"{option} {path}: cannot write in {parent} ({exc.strerror})") from None
        if path.exists() and not os.access(path, os.W_OK):
            raise RnnCliError(f"{option} {path}: permission denied")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_temps(path: str | os.PathLike) -> None:
    """Delete temporary files of `path` left by writers that no longer run (e.g. SIGKILL)."""
    path = Path(path)
    for tmp in glob.glob(os.path.join(glob.escape(str(path.parent)), f".{glob.escape(path.name)}.*.tmp")):
        parts = Path(tmp).name[len(path.name) + 2:-len(".tmp")].split(".")  # [pid, random], or [random] (old)
        if len(parts) == 1 or (len(parts) == 2 and parts[0].isdigit() and not _process_alive(int(parts[0]))):
            Path(tmp).unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    try:
        remove_stale_temps(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise RnnCliError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; the result is as readable as any other file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RnnCliError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
