"""Entry point: ``python -m user_study --help``."""

import sys

from .cli import main

sys.exit(main())
