"""`python -m config.port_free PORT`: the first step of `make run`, before it touches the database.

Exits 1 with one line when something listens on 127.0.0.1:PORT already (often an earlier `make run`).
"""

from __future__ import annotations

import sys

from tunnels.server import HOST, port_in_use


def main(port: int) -> int:
    if not port_in_use(port):
        return 0
    print(
        f"Port {port} on {HOST} is in use: is `make run` already running in another terminal? "
        f"Stop it there with Ctrl+C, or run on another port: `make run PORT={port + 1}`.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
