from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from config.startup import APP_LOAD_ERROR, check_database, prepare_to_serve, stop_on_configuration_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Bad settings or an unreachable database stop any WSGI server at start with one line, not a traceback.
with stop_on_configuration_error(exit_code=APP_LOAD_ERROR):
    application = get_wsgi_application()
    check_database()
    prepare_to_serve()
