"""Output files: checked before any work starts, then written atomically.

`check_outputs` refuses, before a run spends a minute or an hour, every output that could
not be written or that would destroy an input: a folder, a device or FIFO, a missing parent
folder, a folder we cannot write in, a name too long, and above all a path that is (after
symlinks, or as a hard link) the same file as one of the run's inputs or another output.

`write_atomic` writes a temporary file in the same folder, fsyncs, then renames, so a
reader (or a Ctrl-C) never sees half a file and an existing file is replaced whole or not
at all. Temporary files are named `.NAME.PID.XXXXXXXX.tmp` (NAME shortened when long); ones
left by a process that no longer runs are removed the next time the same output is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rnncli.errors import RnnCliError

Named = tuple[str, "str | os.PathLike | None"]  # (option, path), e.g. ("--out", "model.safetensors")
MAX_TEMP_STEM = 200  # a temporary file's name must stay under the usual 255-byte limit
MODEL_OUTPUTS = ("--out",)  # the outputs that are model files (see _check_replaceable)
MAX_HEADER = 100_000_000  # bytes of a safetensors header read to tell what a file holds (safetensors' own limit)
OWN_KINDS = {"--report": "a JSON report", "--plot": "an image", "--metrics-log": "a metrics log (JSON lines)"}
IMAGE_STARTS = (b"\x89PNG", b"%PDF", b"%!PS", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")  # PNG PDF PS/EPS JPEG TIFF
MAX_REPORT_BYTES = 100_000_000  # a longer file is no report of ours
PLOT_SUFFIXES = ("", ".png", ".svg", ".pdf")  # what --plot draws, by the file's extension (none: PNG)


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def _is_file_input(path) -> bool:
    return path is not None and not str(path).startswith("nltk:") and str(path) != "-"


def is_stdout(path: str | os.PathLike | int) -> bool:
    """Whether `path` (or a descriptor) is the regular file stdout writes to: an input read so
    (`rnncli next -m m >> m`) would have the output appended to it, as `cat f >> f` would."""
    try:
        out = os.fstat(sys.stdout.fileno())
        read = os.fstat(path) if isinstance(path, int) else os.stat(path)
    except (OSError, ValueError, AttributeError):  # no stdout, or not one with a file (pytest's capture)
        return False
    return stat.S_ISREG(out.st_mode) and (out.st_dev, out.st_ino) == (read.st_dev, read.st_ino)


def _check_one(option: str, path: Path) -> None:
    if str(path) == "-":
        raise RnnCliError(f"{option} -: give a file path (this output cannot go to stdout)")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise RnnCliError(f"{option} {path}: {exc.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise RnnCliError(f"{option} {path}: is a folder; give a file path")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise RnnCliError(f"{option} {path}: not a regular file (a device, FIFO or socket); give a file path")
    if len(os.fsencode(path.name)) > 255:
        raise RnnCliError(f"{option} {path}: file name too long")
    linked = path.is_symlink()  # written through (write_atomic): its target's folder is the one to check
    parent = Path(os.path.realpath(path)).parent if linked else path.parent
    if not parent.is_dir():
        where = " (the link points there)" if linked else ""
        raise RnnCliError(f"{option} {path}: folder {parent} does not exist{where}")
    try:
        fd, probe = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise RnnCliError(f"{option} {path}: cannot write in {parent} ({exc.strerror})") from None
    if info is not None and not os.access(path, os.W_OK):
        raise RnnCliError(f"{option} {path}: permission denied")


def _weights(path: Path) -> str | None:
    """What weights an existing file holds, by its safetensors header (its length in 8 bytes,
    then that much JSON): "rnncli" for an rnncli model, "checkpoint" for an rnncli training
    checkpoint, "safetensors" for other weights, None for anything else, "unreadable" when it
    cannot be read."""
    try:
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            header = f.read(n) if 2 <= n <= MAX_HEADER else b""
    except OSError:
        return "unreadable"
    try:
        parsed = json.loads(header)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(parsed, dict):
        return None
    meta = parsed.get("__metadata__")
    if not isinstance(meta, dict) or "rnncli" not in meta:
        return "safetensors"
    try:
        recorded = json.loads(meta["rnncli"])
    except (TypeError, ValueError):  # damaged: still rnncli's
        recorded = None
    return "checkpoint" if isinstance(recorded, dict) and "checkpoint" in recorded else "rnncli"


def _check_replaceable(option: str, path: Path) -> None:
    """An existing output file is replaced only by its own kind: a model (MODEL_OUTPUTS) only an
    earlier model, a report, plot or metrics log (OWN_KINDS) only an earlier one, and no weights
    at all. Else it is someone's data, a typo away from the output's name, and is kept."""
    if not path.is_file():
        return
    kind = _weights(path)
    if option in MODEL_OUTPUTS and kind == "checkpoint":
        raise RnnCliError(f"{option} {path} is an interrupted run's checkpoint, which a model would replace; continue "
                          f"that run with --resume {path}, or choose another path")
    if option in MODEL_OUTPUTS and kind != "rnncli":
        raise RnnCliError(f"{option} {path} exists and is not an rnncli model file"
                          f"{' (it cannot be read)' if kind == 'unreadable' else ''}; rnncli replaces only an earlier "
                          "model there: choose another path, or move that file")
    if option not in MODEL_OUTPUTS and kind is not None:
        what = {"rnncli": "an rnncli model file", "checkpoint": "an rnncli training checkpoint",
                "safetensors": "a safetensors weights file",
                "unreadable": "a file that cannot be read (it may hold weights)"}[kind]
        raise RnnCliError(f"{option} {path} is {what}; choose another output path (only a new model replaces a model)")
    if option in OWN_KINDS and not _holds_own_kind(option, path):
        what = OWN_KINDS[option]
        raise RnnCliError(f"{option} {path} exists and is not {what}; rnncli "
                          f"{'adds only to' if option == '--metrics-log' else 'replaces only'} {what} there: "
                          "choose another path, or move that file")


def _holds_own_kind(option: str, path: Path) -> bool:
    """Whether an existing file is empty or what `option` writes (OWN_KINDS): a report a JSON
    object, a plot an image (by its first bytes), a metrics log JSON lines (by its first)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            if not head:
                return True
            if option == "--plot":
                return head.startswith(IMAGE_STARTS) or head[8:12] == b"WEBP" or b"<svg" in head
            f.seek(0)
            text = f.readline(MAX_REPORT_BYTES) if option == "--metrics-log" else f.read(MAX_REPORT_BYTES + 1)
        return len(text) <= MAX_REPORT_BYTES and isinstance(json.loads(text), dict)
    except (OSError, ValueError):  # unreadable, not UTF-8, not JSON
        return False


def check_outputs(outputs: list[Named], inputs: list[Named], kind: bool = True) -> None:
    """Raise RnnCliError (exit 1) unless every output can be written without touching an input
    or, with `kind`, replacing a file of another kind (_check_replaceable)."""
    outputs = [(option, Path(path)) for option, path in outputs if path is not None]
    inputs = [(option, Path(path)) for option, path in inputs if _is_file_input(path)]
    for i, (option, path) in enumerate(outputs):
        for other_option, other in inputs + outputs[:i]:
            if _same_file(path, other):
                raise RnnCliError(f"{option} {path} is the same file as {other_option} {other}; "
                                  "choose another output path (rnncli never overwrites its inputs)")
        _check_one(option, path)
        if kind:
            _check_replaceable(option, path)
        if option == "--plot" and path.suffix.lower() not in PLOT_SUFFIXES:
            raise RnnCliError(f"--plot {path}: rnncli draws PNG, SVG or PDF by the file's extension, and knows no "
                              f"{path.suffix}; name the file .png, .svg or .pdf")


def _temp_stem(path: Path) -> str:
    name = path.name
    if len(os.fsencode(name)) <= MAX_TEMP_STEM:
        return name
    return name[:100] + "~" + hashlib.sha1(os.fsencode(name)).hexdigest()[:12]


def _temp_prefix(path: Path) -> str:
    return f".{_temp_stem(path)}.{os.getpid()}."


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
    """Delete temporary files of `path` left by writers that no longer run (e.g. SIGKILL):
    only regular files named exactly as write_atomic names them, with a dead process's id."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(_temp_stem(path))}\.(\d+)\.[a-z0-9_]{{8}}\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _process_alive(int(match.group(1))):
            tmp = path.parent / name
            try:
                if stat.S_ISREG(os.lstat(tmp).st_mode):
                    tmp.unlink()
            except OSError:  # gone already, or not ours to remove
                pass


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` by a rename, so that no reader ever sees half a file. Through a
    symlink the file it points to is replaced (the link stays), and a replaced file keeps its
    permissions; a new one gets the usual ones (0666 less the umask)."""
    path = Path(os.path.realpath(path)) if Path(path).is_symlink() else Path(path)
    mode = 0o666 & ~_umask()
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(os.stat(path).st_mode)
    try:
        remove_stale_temps(path)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise RnnCliError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600
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


@contextmanager
def output_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold `PATH.lock` for as long as a run writes `path` (and its checkpoint): a second run
    with the same output is refused at once, instead of both writing it and both reporting
    success. The lock goes with the process, however it ends; the file is removed after."""
    try:
        import fcntl  # here, not at the top: this module is on every command's path, and Windows has no fcntl
    except ImportError:
        yield
        return
    lock = Path(f"{path}.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise RnnCliError(f"{lock}: cannot create the lock file ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RnnCliError(f"{path}: another run is writing this file now (it holds {lock}); wait for it to end, "
                              "or give this run another --out") from None
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
    finally:
        os.close(fd)
