"""`python -m benchmark`: run every scenario, print the table, update benchmark/README.md.

`python -m benchmark --orchestration` (with the Dagster venv) times the Dagster code location
instead: serial against parallel loads of N organizations (benchmark/orchestration.py).
"""

import sys

if "--orchestration" in sys.argv[1:]:
    from benchmark.orchestration import main
else:
    from benchmark.run import main

sys.exit(main())
