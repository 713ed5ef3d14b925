"""A connection that stops reading while its peer does not read what it is sent.

websockets answers every ping with a pong and writes it whatever the transport holds already:
a stranger's socket (a phone page's, one before hello) that sends pings and never reads the
pongs grew the server by ~100 MB in 20 s, one socket alone. Here, once the transport's buffer
is over websockets' write limit (32 KiB: the transport says `pause_writing`), the connection
reads nothing more until it is drained: the peer's own sends wait in its kernel, not in the
server's memory (back-pressure, as `asyncio.streams` does for writers). The incoming-message
queue pauses and resumes reading too (websockets' `max_queue`); either resuming lets at most
one more read in before this pauses again.
"""

from __future__ import annotations

from websockets.asyncio.server import ServerConnection


class BackPressure(ServerConnection):
    reading_paused = False  # by this class, while writing is paused

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.paused and not self.reading_paused and not self.transport.is_closing():
            self.reading_paused = True
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.reading_paused:
            self.reading_paused = False
            if not self.recv_messages.paused and not self.transport.is_closing():
                self.transport.resume_reading()
