"""The command line: a thin Typer app over the library (`localqa.cli.main`)."""
