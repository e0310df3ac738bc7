"""The one error class users see, the exit codes the CLI returns, and the error for an optional
dependency that is missing."""

EXIT_OK = 0
EXIT_ERROR = 1  # bad input data, unreadable or corrupt model file, failed run
EXIT_USAGE = 2  # wrong options or arguments (Typer/Click use 2 as well)
EXIT_INTERRUPTED = 130  # Ctrl-C


class RnnCliError(Exception):
    """An error whose message tells the user what went wrong and what to do.

    The CLI prints `message` on one line to stderr and exits with `exit_code`.
    """

    def __init__(self, message: str, exit_code: int = EXIT_ERROR):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def require(module: str, extra: str, who: str = "this command") -> None:
    """Import an optional dependency (torch, scipy) before the first module that needs it, and
    turn a failure into one line: the extra to install when it is missing, what went wrong
    when it is there but cannot be loaded (a broken install, or `ulimit -v` too low for
    torch's shared libraries: OSError, MemoryError, ImportError). `who` needs it."""
    import importlib

    try:
        importlib.import_module(module)
    except Exception as exc:  # whatever loading its shared libraries raises
        if isinstance(exc, ModuleNotFoundError) and exc.name == module:
            raise RnnCliError(f"{who} needs {module}, which is not installed: "
                              f"pip install 'rnncli[{extra}]'") from None
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise RnnCliError(f"cannot load {module} ({what}); give the process more memory if it is limited "
                          f"(ulimit -v), or reinstall it: pip install --force-reinstall 'rnncli[{extra}]'") from None
