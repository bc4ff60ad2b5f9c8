"""``rural-abm demo``: serve the teaching page on this machine with Solara's server.

Solara loads its page assets through its asset proxy, which serves them from
the files the solara-assets package installed, so the page needs no internet.
Solara's usage telemetry is switched off.
"""

from __future__ import annotations

import os
import socket
import sys

PAGE = "rural_abm.app.page:Page"
DEFAULT_PORT = 8765


def free_port(host: str, port: int = 0) -> int:
    """``port`` if nobody listens on it at ``host`` now, or (port 0) a free port the OS picks; OSError otherwise."""
    with socket.socket() as s:
        s.bind((host, port))
        return s.getsockname()[1]


def server_command(host: str, port: int) -> list[str]:
    """The command line that runs the page's server (this Python, ``solara run``, production mode)."""
    return [sys.executable, "-m", "solara", "run", PAGE, "--host", host, "--port", str(port), "--production", "--no-open",
            "--log-level", "warning"]


def server_environment() -> dict:
    """This process's environment with Solara's telemetry off and its offline asset proxy on."""
    return {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_PROXY": "True",
            "MPLBACKEND": "Agg"}


def demo(args) -> int:
    """Print the page's address, then become its server (Ctrl+C stops it)."""
    if not 0 <= args.port <= 65535:
        print(f"rural-abm demo: --port: found {args.port}; allowed: 0 (any free port) to 65535", file=sys.stderr)
        return 2
    try:
        port = free_port(args.host, args.port)
    except OSError as err:
        print(f"rural-abm demo: cannot listen on {args.host}:{args.port} ({err.strerror}); "
              "try another --port (0 = any free port) or --host", file=sys.stderr)
        return 2
    shown = {"127.0.0.1": "localhost", "0.0.0.0": socket.gethostname(), "::": socket.gethostname()}.get(args.host, args.host)
    address = f"http://{shown}:{port}"
    print(f"rural-abm demo: the teaching page is at {address}  (open it in a browser; Ctrl+C stops the server)", flush=True)
    os.execve(sys.executable, server_command(args.host, port), server_environment())
    return 0  # not reached: execve replaces this process


def add_command(sub) -> None:
    """Register ``demo`` on the ``rural-abm`` subcommands."""
    cmd = sub.add_parser("demo", help="serve the teaching page (SolaraViz) on this machine",
                         description="Serve the teaching page: levers, presets, village panels and live charts in a browser. "
                                     "Works with no internet. See docs/teaching.md for a 15-minute lesson.")
    cmd.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free port)")
    cmd.add_argument("--host", default="localhost",
                     help="address to listen on (default localhost; 0.0.0.0 for the whole classroom network)")
    cmd.set_defaults(func=demo)
