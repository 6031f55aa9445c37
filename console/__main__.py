"""python -m console [--host 127.0.0.1] [--port 5080]: serve the staff console (loopback by default)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description="Serve the clinic's staff console.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT") or 5080))
    parser.add_argument("--allow-remote", action="store_true",
                        help="listen on a non-loopback address (only behind a TLS reverse proxy)")
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK and not args.allow_remote:
        parser.error(f"--host {args.host} is not loopback: the console holds visitors' contact details. "
                     "Serve it through a TLS reverse proxy and pass --allow-remote.")
    from console.app import create_app  # after argument checks: --help stays fast

    app = create_app()
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
