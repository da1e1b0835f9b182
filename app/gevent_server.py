"""The gevent WSGI server `python -m app` runs, with the limits gevent's own
lacks (issue 19, findings 5 and 11):

- the request line and headers must arrive within HEADER_TIMEOUT seconds
  and a body within BODY_TIMEOUT, or the connection is closed (a half-sent
  request or a body at a byte a second would otherwise hold a socket
  forever);
- at most CONNECTIONS_PER_ADDRESS sockets open at once from one address
  (in memory only, while they are open; off behind a proxy, where every
  connection comes from the proxy and nginx's `limit_conn` does it);
- malformed requests are logged as one line naming the kind of problem,
  never the client's address, port or request line (gevent's own lines
  carry all three).

Only imported in gevent mode, after monkey-patching (see app/__main__.py).
"""

from __future__ import annotations

import io
import logging
import threading
from typing import Any

from gevent import Timeout, pywsgi

log = logging.getLogger("app.server")

_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class Handler(pywsgi.WSGIHandler):
    server: Server

    def read_requestline(self) -> str:
        """Waits at most HEADER_TIMEOUT for the request line (also the idle
        time allowed between two requests on a kept-alive connection)."""
        with Timeout(self.server.header_timeout, False):
            return super().read_requestline()  # type: ignore[no-any-return]
        return ""  # timed out: handle_one_request closes the connection

    def read_request(self, raw_requestline: str) -> bool:
        with Timeout(self.server.header_timeout, False):
            return super().read_request(raw_requestline)  # type: ignore[no-any-return]
        raise _Slow

    def handle_one_response(self) -> None:
        """Reads the whole body (at most MAX_BODY + 1 bytes) within
        BODY_TIMEOUT before the app sees the request."""
        if not self._read_body():
            self.close_connection = True
            self._sendall(_TIMED_OUT)
            return
        super().handle_one_response()

    def _read_body(self) -> bool:
        env = self.environ
        chunked = env.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        if self._connection_upgrade_requested() or not (self.content_length or chunked):
            return True
        if self.content_length and self.content_length > self.server.max_body:
            return True  # the app refuses it (413) without reading it
        with Timeout(self.server.body_timeout, False):
            body = self.wsgi_input.read(self.server.max_body + 1)
            env["wsgi.input"] = io.BytesIO(body)
            env["CONTENT_LENGTH"] = str(len(body))
            env.pop("HTTP_TRANSFER_ENCODING", None)
            return True
        return False

    def _handle_client_error(self, ex: BaseException) -> tuple[str, bytes]:
        if isinstance(ex, _Slow):
            log.warning("closed a request whose headers took too long")
            return ("408", _TIMED_OUT)
        # gevent's message quotes the request line; the kind is enough.
        log.warning("refused a malformed request (%s)", type(ex).__name__)
        return ("400", _BAD_REQUEST)

    def log_error(self, msg: str, *args: Any) -> None:
        # gevent's lines start with the socket (both addresses) and quote the
        # request; its own calls are all replaced above, so this is a fallback.
        log.warning("server error (details left out: they would name the client)")

    def _log_error(self, t: type[BaseException], v: BaseException, tb: Any) -> None:
        # gevent would print the traceback with the environ's REMOTE_ADDR.
        log.error("unexpected %s while serving a request", t.__name__)


class _Slow(ValueError):
    """The request line arrived but the headers did not, in time."""


class Server(pywsgi.WSGIServer):
    handler_class = Handler

    def __init__(self, listener: tuple[str, int], application: Any, cfg: dict[str, Any]):
        super().__init__(listener, application, log=None, error_log=log_writer())
        self.header_timeout = float(cfg["HEADER_TIMEOUT"])
        self.body_timeout = float(cfg["BODY_TIMEOUT"])
        self.max_body = int(cfg["MAX_BODY"])
        # Behind a proxy every connection comes from the proxy: the cap is its job.
        self.per_address = 0 if cfg["PROXY_HOPS"] else int(cfg["CONNECTIONS_PER_ADDRESS"])
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def handle(self, sock: Any, address: Any) -> None:
        key = str(address[0]) if isinstance(address, tuple) else ""
        with self._lock:
            count = self._open.get(key, 0)
            refused = bool(self.per_address) and count >= self.per_address
            if not refused:
                self._open[key] = count + 1
        if refused:
            log.warning("refused a connection: too many open from one address")
            sock.close()
            return
        try:
            super().handle(sock, address)
        finally:
            with self._lock:
                left = self._open[key] - 1
                if left:
                    self._open[key] = left
                else:
                    del self._open[key]  # addresses are kept only while connected


class _LogWriter:
    """`wsgi.errors` and gevent's `error_log`: through logging (OneLine), so
    each write is one short line. The app writes only the kind of a failure
    here, and gevent's lines that named clients are replaced above."""

    def write(self, text: str) -> None:
        if text.strip():
            log.warning("%s", text.strip())

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass


def log_writer() -> _LogWriter:
    return _LogWriter()
