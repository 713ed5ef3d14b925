"""The manager's pages in the browser: sign-in, the floor board (static/, served by
`server.manager`). The statistics page and the report are rendered on the server
(`server.stats_pages`)."""
