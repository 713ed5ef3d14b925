"""The kiosk terminal: a visitor picks a language and a service and gets a printed ticket.
Its Textual app and ESC/POS printing arrive with the kiosk issue; it speaks `server.wire.protocol`
through `server.wire.session.ClientSession`."""
