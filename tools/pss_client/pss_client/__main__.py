"""``python -m pss_client``: same as ``pss-send``."""

import sys

from .cli import main

sys.exit(main())
