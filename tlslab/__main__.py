"""``python -m tlslab``: the same as the ``tlslab`` command."""

import sys

from .cli import main

sys.exit(main())
