"""The waiting-room display: the browser page the server serves at /display (static/: page,
script, style, and the ticket status page) with gong and speech, and a Textual board for
terminal screens (`willkommen-display`). Both only listen; neither holds rules of the queue."""
