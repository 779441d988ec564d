#!/usr/bin/env bash
set -euo pipefail
# The admin export job of 1M partnerships, run as the worker runs it, on a new PostgreSQL database
# (partnerships_big1m on 127.0.0.1:5432, dropped at the end). About 10 minutes. Prints the job's wall
# time and peak memory, the rows in the file it wrote and the partnerships in the database.
cd "$(dirname "$0")/.."
JOBID=$(mktemp); TIMES=$(mktemp)
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/partnerships_big1m
dropdb -h 127.0.0.1 -U postgres --if-exists partnerships_big1m
createdb -h 127.0.0.1 -U postgres partnerships_big1m
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py loaddata fixtures/seed.json -v 0
/usr/bin/time -f "generate: %e s" .venv/bin/python manage.py generate_synthetic --partnerships 1000000 --organizations 100000 --seed 1 | tail -1
.venv/bin/python manage.py shell -c "
from django.contrib.auth.models import User
from partnerships.jobmodels import ImportJob, JobKind
u = User.objects.create_superuser('exporter', 'e@x.org', 'pw-for-bench-only-1')
j = ImportJob.objects.create(kind=JobKind.EXPORT, model='partnerships.sisterschoolpartnership', user=u, file_name='partnerships.csv', format_index=0, resource_index=0, options={'fields': None, 'items': None, 'query': ''})
open('"$JOBID"','w').write(str(j.pk))
"
/usr/bin/time -v .venv/bin/python manage.py shell -c "
from partnerships import tasks
print(tasks.run_job.call(open('"$JOBID"').read()))
" 2> "$TIMES"
grep -E "Elapsed|Maximum resident" "$TIMES"
.venv/bin/python manage.py shell -c "
import csv
from partnerships.jobmodels import ImportJob
from partnerships.tasks import job_files_dir
j = ImportJob.objects.get(pk=open('"$JOBID"').read())
print(j.state, j.message, j.result)
path = job_files_dir() / j.result['file']
with open(path, newline='', encoding='utf-8-sig') as f:
    n = sum(1 for _ in csv.reader(f)) - 1
print('rows in file', n, 'bytes', path.stat().st_size)
from partnerships.models import SisterSchoolPartnership
print('partnerships in db', SisterSchoolPartnership.objects.count())
path.unlink()
"
dropdb -h 127.0.0.1 -U postgres partnerships_big1m
echo finished
