"""The one error class users see, and the exit codes the CLI returns."""

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
