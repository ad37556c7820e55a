import sys

from borderwatch.cli import main

sys.exit(main())
