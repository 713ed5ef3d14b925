"""The connection edge, in two layers. On top, the modules that build the rooms and route to
them: `app` (the Server: the parts put together), `hellos`, `storage`, `health`, `routes`,
`requests`, `pushes`, `welcomes`, `pages`; no room imports these. Below the rooms, the edge's kit the rooms' pages and sockets run on (`EDGE_KIT` in
tests/test_import_rules.py): `frames`, `replies`, `views`, `limits`, `ratelimit`, `doorway`,
`backpressure`, `fanout`, `terminals`, `http11`, `logs`; these import no room."""
