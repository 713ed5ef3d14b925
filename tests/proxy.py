"""A loopback TCP proxy that can lose a reply: it forwards both ways and, when armed, cuts
the connection at the first server frame holding a `reply`, without passing it on. That is
the "lost reply" a kiosk meets when the network drops after the server committed."""

from __future__ import annotations

import asyncio


class LossyProxy:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.drop_next_reply = False
        self.cuts = 0
        self.busy = 0  # `busy` answers passed to the client (how often it asked while the database was away)

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _client(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(self._pipe(client_reader, server_writer, watch=False),
                             self._pipe(server_reader, client_writer, watch=True), return_exceptions=True)
        for writer in (client_writer, server_writer):
            writer.close()

    async def _pipe(self, reader, writer, *, watch: bool) -> None:
        while data := await reader.read(65536):
            self.busy += data.count(b'"code":"busy"') if watch else 0
            if watch and self.drop_next_reply and b'"type":"reply"' in data:
                self.drop_next_reply, self.cuts = False, self.cuts + 1
                writer.transport.abort()
                raise ConnectionResetError("reply dropped on purpose")
            writer.write(data)
            await writer.drain()
        writer.close()
