"""Entry point for process managers that want a script: same as `borderwatch schedule [ARGS]`."""

import sys

from borderwatch.cli import main

if __name__ == "__main__":
    sys.exit(main(["schedule", *sys.argv[1:]]))
