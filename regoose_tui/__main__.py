"""`python -m regoose_tui` runs the `regoose` command."""

from regoose_tui.cli.main import main

if __name__ == "__main__":
    main()
