"""`python -m benchmark`: run every scenario, print the table, update benchmark/README.md."""

import sys

from benchmark.run import main

sys.exit(main())
