"""`python -m rnncli` and the `rnncli` command. Ctrl-C while the CLI is still being
imported (the first tenth of a second) ends like Ctrl-C later on: one line, exit 130."""

import sys


def main() -> None:
    try:
        from rnncli.cli.app import main as cli_main
    except KeyboardInterrupt:
        try:
            sys.stderr.write("rnncli: error: interrupted\n")
        except (OSError, AttributeError):
            pass
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
