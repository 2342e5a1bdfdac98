"""`python -m loket` is the `loket` command."""

from loket.cli import main

main()
