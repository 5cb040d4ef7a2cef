"""``python -m reliability`` runs the command line."""

from reliability.cli import main

main()
