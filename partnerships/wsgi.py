"""WSGI entry point: `gunicorn partnerships.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerships.settings")

application = get_wsgi_application()
