"""The waiting-room display: the browser page the server serves at /display and a Textual
board. It arrives with the display issue; it listens through `server.client.ClientSession`."""
