"""Willkommen's server side: the queue core (`server.core`), the store, the protocol and the
asyncio websocket server. Importing this package imports nothing heavy; see `server.edge.app`."""
