"""`python -m benchmark`: run every scenario, print the table, update benchmark/README.md.

`python -m benchmark --orchestration` (with the Dagster venv) times the Dagster code location
instead: serial against parallel loads of N organizations (benchmark/orchestration.py).
`python -m benchmark --resume`: a full read split over two rate-limit windows against one
uninterrupted read (benchmark/resume.py).
"""

import sys

if "--orchestration" in sys.argv[1:]:
    from benchmark.orchestration import main
elif "--resume" in sys.argv[1:]:
    from benchmark.resume import main
else:
    from benchmark.run import main

sys.exit(main())
