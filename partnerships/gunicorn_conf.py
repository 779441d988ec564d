"""gunicorn settings for the web processes: ``gunicorn -c partnerships/gunicorn_conf.py``
(``make serve-prod`` and the benchmarks use it). Command-line options still apply.

Once a worker has loaded Django and the project, everything loaded so far is moved out of
the garbage collector's reach (``gc.freeze()``): those objects live as long as the worker,
and without this every full collection walked them all again, adding 50 to 100 ms to one
request in thirty or so on a 2-core machine (p95 of a search page at 100k partnerships: 58
to 70 ms without, 49 to 51 ms with). Collection of what requests allocate is unchanged.
The same is done again after a worker's first requests (post_request).
"""

import gc

# Threaded workers with one thread: one request at a time per process, as sync workers, but
# the process's main thread keeps telling the arbiter it is alive while a request runs. A
# sync worker cannot while it is in the app, so its `timeout` (30 s) killed any response
# longer than that, a download included, cut short after "200": the organizations' JSON at
# 100,000 rows (31 s, 52,000 rows sent) and the partnership JSON at a million rows (25 s by
# PostgreSQL's COPY, close to it). Slow pages are still bounded by the database's
# statement timeout (DJANGO_STATEMENT_TIMEOUT_MS).
worker_class = "gthread"
threads = 1


def post_worker_init(worker):
    gc.collect()
    gc.freeze()


# A worker's first requests fill caches it keeps for good (compiled templates, translation
# catalogues, URL and query caches): about 16,000 objects on a list page's first requests,
# which every full collection would walk again. Frozen too, once the response is sent.
FREEZE_AFTER_REQUESTS = (1, 10, 100)


def post_request(worker, req, environ, resp):
    if worker.nr in FREEZE_AFTER_REQUESTS:
        gc.collect()
        gc.freeze()
