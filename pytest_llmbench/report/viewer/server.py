"""The viewer's routes and its HTTP server (``http.server``: nothing to install, loopback only).

``ViewerApp.handle`` maps a GET path to a page without any socket, so the routes are unit-tested directly;
``serve`` wraps it in a ``ThreadingHTTPServer`` bound to 127.0.0.1. The repository is opened read-only by the
caller; the server has no route that writes, and answers anything but GET and HEAD with 405.

A request whose Host header is not this loopback address is refused (403): a web page elsewhere could point
its own name at 127.0.0.1 (DNS rebinding) and would otherwise read the results through the user's browser.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from pytest_llmbench.errors import LlmBenchError
from pytest_llmbench.report.html_items import TableView
from pytest_llmbench.report.model import ReportData, build_report
from pytest_llmbench.report.runcompare import compare_reports, model_pairs
from pytest_llmbench.report.viewer import pages
from pytest_llmbench.storage.repository import Repository

#: Runs kept loaded (finished runs never change; a running one is read afresh).
CACHED_RUNS = 4
#: The page itself may run its inline script and style, and nothing may be fetched from elsewhere.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: str
    content_type: str = "text/html; charset=utf-8"


class ViewerApp:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._reports: OrderedDict[int, ReportData] = OrderedDict()
        self._run_pages: OrderedDict[int, str] = OrderedDict()
        self._lock = threading.Lock()
        self._routes: list[tuple[re.Pattern[str], Callable[[re.Match[str], dict[str, str]], Response]]] = [
            (re.compile(r"/"), self._runs),
            (re.compile(r"/run/(\d+)"), self._run),
            (re.compile(r"/run/(\d+)/item/(\d+)"), self._item),
            (re.compile(r"/compare"), self._compare),
        ]

    def handle(self, target: str) -> Response:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        path = parts.path.rstrip("/") or "/"
        for pattern, route in self._routes:
            match = pattern.fullmatch(path)
            if match:
                try:
                    return route(match, query)
                except LlmBenchError as exc:
                    return Response(404, pages.error_page(404, str(exc)))
        return Response(404, pages.error_page(404, f"No page at {path}."))

    def report(self, run_id: int) -> ReportData:
        with self._lock:
            cached = self._reports.get(run_id)
            if cached is not None:
                self._reports.move_to_end(run_id)
                return cached
        run = self.repo.get_run(run_id)
        data = build_report(self.repo.results(run.id), run=run)
        if run.status != "running":
            with self._lock:
                self._reports[run_id] = data
                while len(self._reports) > CACHED_RUNS:
                    self._reports.popitem(last=False)
        return data

    def _runs(self, _match: re.Match[str], query: dict[str, str]) -> Response:
        runs = self.repo.runs()
        listing = pages.RunListing(runs, self.repo.performance([r.id for r in runs]))
        return Response(200, pages.runs_page(listing, pages.RunFilter.from_query(query)))

    def _run(self, match: re.Match[str], query: dict[str, str]) -> Response:
        run_id = int(match.group(1))
        view = TableView.from_query(query)
        if view != TableView():  # a search, filter, sort or page: cheap to render from the loaded run
            return Response(200, pages.run_page(self.report(run_id), view))
        with self._lock:
            page = self._run_pages.get(run_id)
        if page is None:
            data = self.report(run_id)
            page = pages.run_page(data, view)
            if data.run is not None and data.run.status != "running":  # a finished run's page never changes
                with self._lock:
                    self._run_pages[run_id] = page
                    while len(self._run_pages) > CACHED_RUNS:
                        self._run_pages.popitem(last=False)
        return Response(200, page)

    def _item(self, match: re.Match[str], query: dict[str, str]) -> Response:
        run_id, index = int(match.group(1)), int(match.group(2))
        run = self.repo.get_run(run_id)
        total = self.repo.count_results(run_id)
        found = self.repo.results(run_id, offset=index, limit=1)
        if not found:
            return Response(404, pages.error_page(404, f"Run {run_id} has {total} items; there is no item {index}."))
        return Response(200, pages.item_page(run, found[0], index, total, full=query.get("full") == "1"))

    def _compare(self, _match: re.Match[str], query: dict[str, str]) -> Response:
        a, b = query.get("a", "").strip(), query.get("b", "").strip()
        if not (a.isdigit() and b.isdigit()):
            return Response(200, pages.choose_page(self.repo.runs(), a))
        data_a, data_b = self.report(int(a)), self.report(int(b))
        try:
            pairs = model_pairs(data_a, data_b, query.get("model_a") or None, query.get("model_b") or None)
        except LlmBenchError as exc:
            return Response(400, pages.error_page(400, str(exc)))
        return Response(200, pages.compare_page(compare_reports(data_a, data_b, pairs)))


def _handler(app: ViewerApp, allowed_hosts: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "llmbench-view"

        def _send(self, response: Response, *, head: bool = False) -> None:
            body = response.body.encode("utf-8")
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _answer(self, *, head: bool) -> None:
            if self.headers.get("Host", "") not in allowed_hosts:
                self._send(Response(403, pages.error_page(403, "This viewer answers only on its loopback address.")),
                           head=head)
                return
            self._send(app.handle(self.path), head=head)

        def do_GET(self) -> None:
            self._answer(head=False)

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def _refuse(self) -> None:
            self._send(Response(405, pages.error_page(405, "The viewer is read-only.")))

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

        def log_message(self, format: str, *args: object) -> None:
            pass  # a quiet terminal: the URL printed at start is what the user needs

    return Handler


def make_server(app: ViewerApp, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server on ``host:port`` (0: a free port; read ``server.server_address`` for it)."""
    server = ThreadingHTTPServer((host, port), _handler(app, set()))
    real_port = server.server_address[1]
    allowed = {f"{host}:{real_port}", f"localhost:{real_port}"}
    server.RequestHandlerClass = _handler(app, allowed)
    server.daemon_threads = True
    return server
