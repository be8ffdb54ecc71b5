"""Let `python -m moderator` run the command line."""

from moderator.cli import main

main()
