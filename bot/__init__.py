"""The application: everything that is not the pure `retrieval` package."""

import os

# Before numpy is first imported: its OpenBLAS starts one spinning thread per core at import
# (≈ 60 ms of CPU and wall of a 2-core start) for matrix products that retrieval never makes
# and the embeddings channel makes one vector at a time. An explicit setting is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
