from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from config.startup import prepare_to_serve, stop_on_configuration_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Bad settings stop an ASGI server at start with one line, not a traceback. (The database is not tried
# here: uvicorn imports this module inside its event loop, where Django refuses to connect.)
with stop_on_configuration_error():
    application = get_asgi_application()
    prepare_to_serve()
