import sys

from revision.cli import main

sys.exit(main())
