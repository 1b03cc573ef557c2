"""``python -m aibridge_analytics``: the same command line as ``aibridge-analytics``."""

import sys

from aibridge_analytics.cli import main

sys.exit(main())
