"""An SMTP server that answers slowly: a TCP server whose first `slow` connections get a
greeting one byte every `every` seconds (a line that never ends, until the client leaves or
`give_up` seconds have passed); every later connection is passed through to a real SMTP server."""

import socket
import threading
import time
from types import TracebackType

from shared.embedded_redis import free_port


class SlowSMTP:
    def __init__(self, upstream_port: int, *, slow: int = 1, every: float = 0.3,
                 give_up: float = 30.0) -> None:
        self.upstream_port, self.slow = upstream_port, slow
        self.every, self.give_up = every, give_up
        self.port = free_port()
        self.dribbling = threading.Event()  # a slow connection is being served
        self.left = threading.Event()  # a slow connection's client went away
        self.connections = 0
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", self.port))

    def __enter__(self) -> "SlowSMTP":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stopping.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            serve = self._dribble if self.connections <= self.slow else self._pass
            threading.Thread(target=serve, args=(client,), daemon=True).start()

    def _dribble(self, client: socket.socket) -> None:
        self.dribbling.set()
        end = time.monotonic() + self.give_up
        line = b"220 slow.example ESMTP " + b"." * 100_000
        with client:
            for byte in line:
                if self.stopping.is_set() or time.monotonic() > end:
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:
                    self.left.set()
                    return
                time.sleep(self.every)

    def _pass(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            try:
                while chunk := source.recv(65536):
                    sink.sendall(chunk)
            except OSError:
                pass
            finally:
                for end in (source, sink):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        pipe(client, upstream)
        back.join()
        client.close()
        upstream.close()
