"""``python -m vhuman …`` is the ``vhuman`` command."""

from vhuman.stage.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
