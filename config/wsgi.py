import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Refuse to serve data that the configured keys do not fit (decision 0046).
from saohei.custody.keys import refuse_mismatched_keys_at_start  # noqa: E402

refuse_mismatched_keys_at_start()
