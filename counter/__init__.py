"""The clerk's counter workstation (Textual). It arrives with the counter issue; it speaks
`server.wire.protocol` through `server.wire.session.ClientSession`."""
