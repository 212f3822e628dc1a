import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
application = get_wsgi_application()

# Every view and the API imported now, while the worker starts, instead of by its first
# request (0.75 s, and several seconds for the requests queued behind it under load).
from django.urls import get_resolver  # noqa: E402

_views = get_resolver().url_patterns
