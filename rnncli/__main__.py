"""`python -m rnncli` runs the command-line tool."""

from rnncli.cli import main

main()
