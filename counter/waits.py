"""What the clerk is told while an action waits on the server's database (server/edge/held.py):
`held` at once (the database is lost on the action's way: a restart, a failover), so the
screen does not seem frozen; `confirmed` when an action answered `unconfirmed` counts after
all (the Board folds in its reply: the visitor it called is shown). A second action is not
queued behind a held one, where it would act on what the first changed."""

from __future__ import annotations

from typing import Any

import msgspec

from server.wire import protocol as p


def told(app: Any, event: msgspec.Struct) -> None:
    """Say what a pushed `held` or `confirmed` means for the clerk's action."""
    if isinstance(event, p.Held) and app.sending.locked():  # (a late one, its answer already in: nothing)
        app.held = True
        app.say(app.words("waits.held"), error=True)
    elif isinstance(event, p.Confirmed):
        app.say(app.words("waits.confirmed"))


def still_held(app: Any) -> bool:
    """True (and said) while the action on its way waits for the database: the key is not done."""
    if app.held:
        app.say(f"{app.words('waits.held')} {app.words('waits.still')}", error=True)
    return app.held


async def act(app: Any, action: str) -> None:
    """Run the clerk's action (a key or a button), unless the one on its way waits for the database."""
    if not still_held(app):
        await app.run_action(action)
