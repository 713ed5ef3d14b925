"""The network of offices: figures compared across offices, and knowledge shared among them.

The programme behind Willkommen is a network of immigration offices. This room holds what
the network's coordinator (the ministry) runs and what an office does to take part:

- `summary`   one office day in a few counts and histograms (`Day`): what an office gives
              the network, read from its kept per-day statistics; never a ticket or an event
- `store`     the network's database (SQLite by default, PostgreSQL by URL): offices' days
              and what they published, nothing else
- `settings`  the network's file (`network.toml`): its offices and their tokens, the people
              who sign in (`role = "network"`), where its database is
- `listener`  the network's HTTP port: the offices' endpoint (`POST /summaries`,
              `/knowledge`) and the signed-in page that compares offices month by month
- `figures`   the comparison itself, with the rule that no figure rests on fewer than five visits
- `shield`    the counts hidden beside those so that no hidden count can be worked out from the
              sums a reader can add up (secondary suppression)
- `page`      that comparison as a German page (the staff catalogue's `[network]`) with charts
- `said`      what the network's port says to a person (refusals, plain pages): `[network.answer]`
- `in_force`  adopted language files in force at once, and `undo` back to the file before
- `send`      `willkommen-server network send|publish|list|compare|adopt`: an office's side
- `forget`    `willkommen-server network forget`: the coordinator takes an office's days out
- `knowledge` what an office publishes (services' texts, documents, hints, partners,
              its own language strings), the difference to another's, and the fragment to adopt

README: "A network of offices".
"""
