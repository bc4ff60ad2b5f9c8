"""``python -m rural_abm.experiment validate|run|report`` (same as ``rural-abm``)."""

import sys

from .commands import main

sys.exit(main())
