"""The `emg-kg` command line: main (parser and commands), options, the gap report's text."""

from emg_kg.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
