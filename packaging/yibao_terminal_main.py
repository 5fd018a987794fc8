"""Entry script of the frozen yibao-terminal (the console script `yibao-terminal` = terminal.cli:main)."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from terminal.cli import main

    sys.exit(main())
