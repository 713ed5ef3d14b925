"""The statistics the store keeps per office day, past `retention_days` (the tables in
`stats_schema`, their rows made by `stats_rows`, `stats_lottery_rows` and `stats_floor_rows`):
what the store calls — the tables made and upgraded at start, a referral's row in its commit,
`keep_days` at a new day and before a purge. They live in the store because the store writes
them in its own transactions; the manager's pages only read them (`server.manager.stats`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from server.store import stats_floor_rows, stats_rows
from server.store.stats_schema import INSERT_REFERRAL, ensure_tables, referral_row, roll_up, upgrade  # noqa: F401 (the store's calls)


def keep_days(conn, *, before: str, tz: ZoneInfo, since: str = "", personal: bool = False) -> list[str]:
    """Keep the days before `before` past the purge: the visits and the lottery
    (`stats_rows.keep_days`, from `since`) and the floor, plan and kiosks (`stats_floor_rows.keep`,
    every calendar day from the last kept). The stores call this at a new day and before a purge."""
    kept = stats_rows.keep_days(conn, before=before, tz=tz, since=since, personal=personal)
    stats_floor_rows.keep(conn, before=before, tz=tz, personal=personal)
    return kept
