"""The statistics a manager reads: what the office's days were like, in plain SQL over the rows
the store keeps per day (`server.store.stats_*`), as tables, charts, a page, exports and the
monthly report.

`tables` the period, the grouping and the queries (`Statistics`); `satisfaction` visitor
feedback, `estimates` how often the printed estimate held, `floor` planned and open hours and
kiosks out of service, `fair_access` the lottery days, `summary` the report's one page;
`dates` dates as staff write them, `words` words and numbers in a staff language; `charts`
(pygal) and `chart_fit` where a chart's legend and labels go; `html` the page, `export` CSV
and XLSX, `web` the page's and exports' answers (`server.manager.pages` routes here),
`worker` the process that makes them. Nothing is imported here: each module is taken by name.
"""
