"""The coordinator's pages (filled in below)."""

from __future__ import annotations

from server.network.httpd import Reply, Request


class Pages:
    def __init__(self, network, store, *, clock):
        self.network, self.store, self.clock = network, store, clock

    async def answer(self, request: Request) -> Reply:
        return Reply.error(404, "there is nothing here")
