"""``python -m sklearn_scratchnet``: the ``scratchnet`` command."""

from sklearn_scratchnet.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
