"""`python -m rnncli` and the `rnncli` command (pyproject.toml: rnncli.__main__:main).

A Ctrl-C ends a run the same way at any point: one line, `rnncli: error: interrupted`,
exit 130, never a traceback. cli/app.py says so for the command itself; main() below for
the rest: while the CLI is imported (the first tenth of a second), while Typer builds the
commands from their signatures, in a finalizer (where Python would print "Exception ignored"
and lose it), and in the interpreter's shutdown once the command has ended. Nothing runs
before main() but `import sys` (already loaded), so that the window in which Python itself
would print the traceback (its own start-up, the console script's import line) is as short
as it can be.
"""

import sys


def main() -> None:
    said = False  # whether the command ended saying it was interrupted
    try:
        try:
            sys.unraisablehook = _ctrl_c_not_lost
            from rnncli.cli.app import main as cli_main

            cli_main()
        except SystemExit as end:
            from rnncli.errors import EXIT_INTERRUPTED

            said = end.code == EXIT_INTERRUPTED
            raise
        finally:
            _stop_at_once_on_ctrl_c(said)
    except BaseException as exc:  # SystemExit, the usual end, passes on
        from rnncli.cli import ctrl_c_behind

        if not ctrl_c_behind(exc):
            raise
        from rnncli.errors import EXIT_INTERRUPTED

        _say_interrupted()
        sys.exit(EXIT_INTERRUPTED)


def _say_interrupted() -> None:
    try:
        sys.stderr.write("rnncli: error: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # no stderr, or a closed one
        pass


def _ctrl_c_not_lost(unraisable) -> None:
    """sys.unraisablehook: a Ctrl-C that lands in a finalizer (`__del__`, weakref.finalize)
    cannot propagate; send it again, from a thread, so that it is raised where the program
    is once the finalizer has returned (sent from here, it would be raised here)."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        import _thread

        _thread.start_new_thread(_thread.interrupt_main, ())
    else:
        sys.__unraisablehook__(unraisable)


def _stop_at_once_on_ctrl_c(said: bool) -> None:
    """From here to the end of the process, a Ctrl-C says so and ends it at once (exit 130): in
    the interpreter's shutdown (threads joined, finalizers run) Python would print "Exception
    ignored in ...", a traceback and KeyboardInterrupt, and carry on. Once the command `said` it
    was interrupted, a second Ctrl-C is ignored: the process is ending with 130 already (and a
    handler of ours would be reset by Python's shutdown, which the signal would then kill)."""
    import os
    import signal

    from rnncli.errors import EXIT_INTERRUPTED

    def stop(signum, frame) -> None:
        _say_interrupted()
        os._exit(EXIT_INTERRUPTED)

    signal.signal(signal.SIGINT, signal.SIG_IGN if said else stop)  # said: it ends with 130 already


if __name__ == "__main__":
    main()
