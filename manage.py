#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError:
        sys.exit(
            "Couldn't import Django. Are you sure it's installed and available on your PYTHONPATH environment "
            "variable? Did you forget to activate a virtual environment? Here: run `make install`, then "
            "`. .venv/bin/activate` (or use .venv/bin/python, or `make manage ARGS=...`)."
        )
    from config.startup import stop_on_configuration_error

    with stop_on_configuration_error():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
