"""PhotoSeek: offline photo search by meaning."""

import os

# numpy's OpenBLAS would spread a query's small products (the relevance cutoff scores 2,048 sampled vectors) over
# every core, and its idle workers then spin for a while, taking the cores that the text model and the vector
# search need next: with one BLAS thread an in-process query at 100k photos took 30-35 ms instead of 39-77 ms on
# a loaded 2-core machine (bench/scale.py). Our heavy work runs in ONNX Runtime's and usearch's own threads. Set
# before numpy is imported; a value the user set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
