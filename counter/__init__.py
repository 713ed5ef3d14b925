"""The clerk's counter workstation (Textual). It arrives with the counter issue; it speaks
`server.protocol` through `server.client.ClientSession`."""
