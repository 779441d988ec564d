"""gunicorn settings for the web processes: ``gunicorn -c partnerships/gunicorn_conf.py``
(``make serve-prod`` and the benchmarks use it). Command-line options still apply.

Once a worker has loaded Django and the project, everything loaded so far is moved out of
the garbage collector's reach (``gc.freeze()``): those objects live as long as the worker,
and without this every full collection walked them all again, adding 50 to 100 ms to one
request in thirty or so on a 2-core machine (p95 of a search page at 100k partnerships: 58
to 70 ms without, 49 to 51 ms with). Collection of what requests allocate is unchanged.
"""

import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
