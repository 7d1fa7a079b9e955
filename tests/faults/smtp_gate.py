"""A gate in front of the stack's SMTP sink, so that a case can take "the mail server" away or
slow it down without touching the sink (whose Maildir is what the suite counts).

notify sends to BURG_NOTIFY_SMTP_HOST (the gate, on 127.0.0.3) and the sink listens on 127.0.0.1,
both on BURG_NOTIFY_SMTP_PORT: the one port setting serves both. The gate is `open` (every
connection passed through), `down` (connections refused, those under way cut, as when the
server stops) or `slow` (a new connection's greeting comes a byte at a time and never ends).
"""

import socket
import threading
import time

HOST = "127.0.0.3"  # any 127/8 address is loopback on Linux; the sink has 127.0.0.1


class SMTPGate:
    """A TCP gate on HOST:`port` to the sink on 127.0.0.1:`port`."""

    def __init__(self, port: int, *, every: float = 1.0) -> None:
        self.port, self.every = port, every
        self.mode = "open"
        self.slowed = 0  # connections answered slowly, so far
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._live: set[socket.socket] = set()
        self.open()

    def open(self) -> None:
        """Pass every new connection through to the sink."""
        self._set("open")

    def slow(self) -> None:
        """Answer every new connection a byte every `every` seconds, never finishing."""
        self._set("slow")

    def down(self) -> None:
        """Refuse connections and cut those under way."""
        with self._lock:
            self.mode = "down"
            listener, self._listener = self._listener, None
            live, self._live = self._live, set()
        for sock in ([listener] if listener else []) + list(live):
            _close(sock)

    def close(self) -> None:
        """Stop for good."""
        self.down()

    def _set(self, mode: str) -> None:
        with self._lock:
            self.mode = mode
            if self._listener is None:
                self._listener = socket.create_server((HOST, self.port))
                threading.Thread(target=self._accept, args=(self._listener,),
                                 daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: down
            with self._lock:
                self._live.add(client)
                serve = self._dribble if self.mode == "slow" else self._pass
                self.slowed += self.mode == "slow"
            threading.Thread(target=serve, args=(client,), daemon=True).start()

    def _dribble(self, client: socket.socket) -> None:
        try:
            for byte in b"220 slow.example ESMTP " + b"." * 100_000:
                if self.mode != "slow":
                    break
                client.sendall(bytes([byte]))
                time.sleep(self.every)
        except OSError:
            pass  # the client gave up
        finally:
            self._forget(client)

    def _pass(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        except OSError:
            self._forget(client)
            return
        upstream.settimeout(None)
        with self._lock:
            self._live.add(upstream)
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        _pipe(client, upstream)
        back.join()
        self._forget(client)
        self._forget(upstream)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._live.discard(sock)
        _close(sock)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
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


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
