"""The manager's pages in the browser: sign-in, the floor board (static/, served by
`server.manager.pages`). The statistics page and the report are rendered on the server
(`server.manager.stats.web`)."""
