"""A thermal printer at the hardware edge: it keeps every byte it is sent and answers ESC/POS
real-time status requests (DLE EOT n) the way an Epson does, in the state the test sets.
It sits on the master side of a pseudo-terminal (serial) or on a loopback TCP port."""

from __future__ import annotations

import os
import socket
import threading
import tty

ONLINE, OFFLINE = 0x16, 0x1E            # DLE EOT 1: bit 3 set = offline
COVER_CLOSED, COVER_OPEN = 0x12, 0x16   # DLE EOT 2: bit 2 set = cover open
PAPER = {"ok": 0x12, "near_end": 0x1E, "out": 0x72}   # DLE EOT 4: bits 2-3 near end, 5-6 out


class PrinterEmulator:
    def __init__(self):
        self.received = bytearray()
        self.paper = "ok"
        self.online = True
        self.cover_open = False      # an open cover takes the printer offline (DLE EOT 1 bit 3)
        self.silent = False          # a printer that does not answer at all
        self.lock = threading.Lock()

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return what the printer answers."""
        with self.lock:
            self.received += data
            if self.silent:
                return b""
            answer = bytearray()
            for i in range(len(data) - 2):
                if data[i] == 0x10 and data[i + 1] == 0x04:
                    answer.append(self._status(data[i + 2]))
            return bytes(answer)

    def _status(self, n: int) -> int:
        if n == 1:
            return ONLINE if self.online and not self.cover_open else OFFLINE
        if n == 2:
            return COVER_OPEN if self.cover_open else COVER_CLOSED
        return PAPER[self.paper]


class SerialPrinter(PrinterEmulator):
    """On a pty: `path` is the device the kiosk opens (`serial://<path>`)."""

    def __init__(self):
        super().__init__()
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.running:
            try:
                answer = self.feed(os.read(self.master, 4096))
                if answer:
                    os.write(self.master, answer)
            except OSError:  # closed at the end of the test
                return

    def close(self) -> None:
        self.running = False
        os.close(self._slave)
        os.close(self.master)


class NetworkPrinter(PrinterEmulator):
    """On 127.0.0.1: `url` is the kiosk's `tcp://127.0.0.1:<port>`."""

    def __init__(self):
        super().__init__()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn:
                while data := conn.recv(4096):
                    answer = self.feed(data)
                    if answer:
                        conn.sendall(answer)
        except OSError:  # closed at the end of the test
            return

    def close(self) -> None:
        self.server.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass
