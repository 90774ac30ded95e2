"""``python -m emg_kg.cli``: the same as the ``emg-kg`` command."""

import sys

from emg_kg.cli.main import main

sys.exit(main())
