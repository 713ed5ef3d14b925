"""Why a PostgreSQL database is refused at a start, as the SQLite file's refusals are
(`server.store.sqlite_file.lock`): the error's `str()` is one English line for the log, its `why`
and fields the staff catalogue's `[cli.file]` sentence the command line says instead
(German, English with `--lang en`: `config.command.file_sentence`). libpq's own detail stays
as it is, in parentheses.

A schema the URL's search_path names that the login cannot use is told apart from one that is
not there (`current_schema()` is NULL in both cases): a schema that exists but is another's
(another office's, as the review found with a giessen login pointed at wetzlar) must not be
answered with "CREATE SCHEMA", which fails with "already exists"; it names its owner and the
rights the office's login lacks."""

from __future__ import annotations

import psycopg

from server.store.reasons import one_line
from server.store.unavailable import StoreCorrupt, StoreLocked, StoreNewer, StoreUnavailable, StoreUnreachable

# the schemas the session's search_path names, in order ("$user" is the login's own), each with
# its owner and whether this login may use it and create in it; a missing one has no owner
SCHEMAS = """
SELECT s.name, pg_get_userbyid(n.nspowner), coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
       coalesce(has_schema_privilege(n.oid, 'CREATE'), false), current_user
FROM unnest(string_to_array(replace(current_setting('search_path'), '"$user"', current_user), ','))
     WITH ORDINALITY AS s(name, place)
LEFT JOIN pg_namespace n ON n.nspname = trim(both ' "' from s.name)
ORDER BY s.place
"""


def unreachable(shown: str, exc: psycopg.Error) -> StoreUnreachable:
    detail = one_line(exc)
    return StoreUnreachable(f"database {shown} cannot be reached ({detail})", why="db_pg_unreachable",
                            file=shown, detail=detail)


def unusable(shown: str, exc: psycopg.Error) -> StoreUnavailable:
    detail = one_line(exc)
    return StoreUnavailable(f"database {shown} cannot be used ({detail})", why="db_pg_unusable", file=shown,
                            detail=detail)


def locked(shown: str, found: tuple | None) -> StoreLocked:
    """Another server holds the office's lock; `found` is its session's (application name, address)."""
    who = f" ({found[0] or 'no name'}{f', {found[1]}' if found[1] else ''})" if found else ""
    return StoreLocked(f"database {shown} is in use by another running Willkommen server{who} "
                       "(one server per office: stop the other or pass another --db)", why="db_pg_locked",
                       file=shown, holder=who)


def taken(shown: str, who: str) -> StoreLocked:
    """At run time, after a lost session: another server took the office's lock meanwhile (`who`:
    ` (its session's name)` or empty). This one stops having written nothing beside it."""
    return StoreLocked(f"database {shown} was taken by another Willkommen server{who} (one server per office: "
                       "this one stops)", why="db_pg_taken", file=shown, holder=who)


def foreign(shown: str, tables: set[str]) -> StoreCorrupt:
    """The schema holds tables but not Willkommen's: another program's, left as it is."""
    named = ", ".join(sorted(tables)[:8])
    return StoreCorrupt(f"database {shown} is not a Willkommen database (its tables: {named}); it was left as it is",
                        why="db_pg_foreign", file=shown, tables=named)


def newer_schema(shown: str, migration: str) -> StoreNewer:
    """A migration this version does not know: a newer version wrote the database."""
    return StoreNewer(f"database {shown} was written by a newer Willkommen (schema {migration}); it was left as it is",
                      why="db_newer_schema", file=shown, schema=migration)


def newer_event(shown: str, problem: str) -> StoreNewer:
    """An event this version cannot read (`problem`, the decoder's words, kept as libpq's are)."""
    return StoreNewer(f"database {shown} {problem}; it was left as it is", why="db_newer", file=shown, detail=problem)


def schema_refusal(conn: psycopg.Connection, shown: str) -> StoreUnavailable | None:
    """Why the office's schema cannot be used by this login, or None when it can: none of the
    search_path's schemas exists (the admin makes it), or the first that exists is not this
    login's to use and create in (another office's, or one not granted)."""
    rows = [(name.strip().strip('"'), owner, usage, create, login)
            for name, owner, usage, create, login in conn.execute(SCHEMAS)]
    usable = [row for row in rows if row[1] is not None and row[2]]
    if usable and usable[0][3]:
        return None
    there = usable or [row for row in rows if row[1] is not None]
    if not there:
        schema, login = (rows[0][0], rows[0][4]) if rows else ("public", "")
        return StoreUnavailable(f"database {shown} has no schema {schema} (the admin makes it: "
                                f"CREATE SCHEMA {schema} AUTHORIZATION {login})", why="db_pg_no_schema",
                                file=shown, schema=schema, login=login)
    schema, owner, usage, create, login = there[0]
    lacks = "USAGE, CREATE" if not usage else "CREATE"
    return StoreUnavailable(f"database {shown}: the login {login} may not use schema {schema} (it lacks {lacks}; "
                            f"the schema belongs to {owner}): if it is this office's, the admin gives it: "
                            f"ALTER SCHEMA {schema} OWNER TO {login}; if it is another office's, name this "
                            "office's schema in the URL", why="db_pg_schema_denied", file=shown, schema=schema,
                            login=login, owner=owner, lacks=lacks)
