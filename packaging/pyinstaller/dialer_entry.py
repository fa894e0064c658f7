"""PyInstaller entry point: the same as the ``dialer`` console script."""

from dialer.cli.main import main

raise SystemExit(main())
