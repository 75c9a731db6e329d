"""``llmbench view [--port N] [--no-browser]``: browse the stored runs, served read-only on 127.0.0.1."""

from __future__ import annotations

import argparse
import threading
import webbrowser

from pytest_llmbench.cli._shared import db_url, project_root
from pytest_llmbench.errors import UsageError
from pytest_llmbench.storage.db import describe
from pytest_llmbench.storage.repository import Repository


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "view",
        help="browse runs, item transcripts and run-against-run differences in a browser",
        description="Serve the results database on 127.0.0.1, read-only: the list of runs, each run's report and "
        "item transcripts, and comparisons of two runs. Ctrl-C stops it.",
    )
    parser.add_argument("--port", type=int, default=0, help="the port (default: a free one, printed at start)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.set_defaults(func=run_view)


def run_view(args: argparse.Namespace) -> int:
    from pytest_llmbench.report.viewer.server import ViewerApp, make_server

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number (1-65535, or 0 for a free one).")
    url = db_url(args)
    repo = Repository(url, base_dir=project_root(), read_only=True)
    try:
        try:
            server = make_server(ViewerApp(repo), args.port)
        except OSError as exc:
            raise UsageError(f"Cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}.") from None
        address = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"llmbench view: {describe(url)} (read-only) at {address}  (Ctrl-C stops)", flush=True)
        if not args.no_browser:
            # In a thread: finding a browser can take a moment, and there may be none (then nothing opens).
            threading.Thread(target=webbrowser.open, args=(address,), daemon=True).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("llmbench view: stopped", flush=True)
        finally:
            server.server_close()
    finally:
        repo.close()
    return 0
