"""The manager's side of the wire protocol: the sign-in page and the floor board
(`server.manager.board`, `server.manager.pages`): people, not terminals.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

import msgspec
from msgspec import Meta

from server.wire.errors import BadRequest
from server.wire.fields import Key, Message, Request, Text, Timestamp
from server.wire.access import Register
from server.wire.plan import SetPlan

# ---- the manager's side (server.manager.board, server.manager.pages): people, not terminals --------------
#
# On ws://host/signin/ws a sign-in page sends `sign_in` and gets `signed_in {code}`: a
# one-time code the page trades at GET /signin/done?code=… for the HttpOnly session cookie
# (a script cannot set one; websockets' HTTP takes no POST bodies). On ws://host/board/ws,
# opened with that cookie, the server pushes `board` (the whole floor, on every change) and a
# supervisor sends actions; a reader's actions get `not_allowed`.
#
#   sign_in          {id, name, password}
#   open_counter     {id, counter}                 close_counter {id, counter}
#   move             {id, ticket, service?, front}  a waiting ticket to another queue or the front
#   announce         {id, texts: {lang: text}, until}   end_announcement {id, announcement}
#   set_plan         {id, template, exceptions, since?}  the day's plan, whole; `since`: the plan's
#                    `version` the edit began from, refused if changed meanwhile (`server.wire.plan`)
#   register         {id, service, lang, name, birth_date, ...}  the info desk registers a caller for
#                    the day's lottery (`server.wire.access`; any signed-in viewer) -> registered
#   witness          {id, day, words}             a witness's words for the day's draw, between the
#                    window's close and the draw (any signed-in viewer: a reader from the staff
#                    council, say) -> reply
#   network_knowledge {id}                        what the other offices of the network published and
#                    how it differs from this office's texts (a supervisor; the site file's
#                    [network]) -> reply at once (being asked), then network {offices}
#   adopt            {id, office, what: [prefix]}  another office's texts under each prefix that
#                    differ from this office's, written as files to review, as `network adopt`
#                    writes them, a language's put in force at once (server/network/in_force.py)
#                    -> reply at once, then adopted {folder, files, items, in_force: [lang]}
#   publish          {id}  this office's texts to the network, as `network publish` sends them
#                    -> reply at once, then published {texts, office}
#   undo_adoption    {id}  the newest adoption of a language file taken back, the file before it in
#                    force at once, as `network undo` does -> reply at once, then undone {folder, in_force}
#                    (any one's failure: error {code: network, fields.why}, same re)

class SignIn(Request, tag="sign_in"):
    name: Key
    password: Text


class OpenCounter(Request, tag="open_counter"):
    counter: Key


class CloseCounter(Request, tag="close_counter"):
    counter: Key


class Move(Request, tag="move"):
    ticket: Key
    service: Key | None = None
    front: bool = False


class Announce(Request, tag="announce"):
    texts: dict[Key, Text]
    until: Timestamp


class EndAnnouncement(Request, tag="end_announcement"):
    announcement: Key


class Witness(Request, tag="witness"):
    """A witness's words for a day's draw (`server.core.lottery.draw_seed`)."""

    day: Key
    words: Text


class AskNetwork(Request, tag="network_knowledge"):
    """What the network's other offices published, compared with this office's own."""


class Adopt(Request, tag="adopt"):
    """Another office's texts under each prefix (`strings.ti`, `services.residence`)."""

    office: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
    what: Annotated[list[Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.-]{1,200}$")]], Meta(min_length=1, max_length=20)]


class Publish(Request, tag="publish"):
    """This office's texts (documents, services, partners, its languages' catalogues) to the
    network, as `willkommen-server network publish` sends them."""


class UndoAdoption(Request, tag="undo_adoption"):
    """The newest adoption of a language file taken back (`server.network.in_force.undo`)."""


NETWORK_ASKS = (AskNetwork, Adopt, Publish, UndoAdoption)
SUPERVISOR_ACTIONS = (OpenCounter, CloseCounter, Move, Announce, EndAnnouncement, SetPlan)
ManagerMessage = Union[SignIn, OpenCounter, CloseCounter, Move, Announce, EndAnnouncement, SetPlan, Register, Witness,
                       AskNetwork, Adopt, Publish, UndoAdoption]


class SignedIn(Message, tag="signed_in"):
    re: str | int
    code: str


class Board(Message, tag="board"):
    floor: dict[str, Any]  # the whole floor as `server.manager.board.Board.floor` builds it


class PublishedTexts(Message, tag="published"):
    re: str | int
    texts: int         # how many texts the network now holds of this office
    office: str        # this office's id in the network


class NetworkKnowledge(Message, tag="network"):
    re: str | int
    offices: list[dict[str, Any]]  # `server.network.adoption.Adoptions.overview`


class Adopted(Message, tag="adopted"):
    re: str | int
    folder: str       # the new folder of files to review
    files: list[str]  # in it: site-fragment.toml, strings/<lang>.toml (before/strings/<lang>.toml: the file replaced)
    items: int
    in_force: list[str] = []  # the languages whose adopted texts the office speaks from now on


class Undone(Message, tag="undone"):
    re: str | int
    folder: str           # the adoption taken back (its before/ is now undone/)
    in_force: list[str]   # the languages whose file before it is in force again
    names: list[str] = []  # their names in the supervisor's language


_manager_decoder = msgspec.json.Decoder(ManagerMessage)


def decode_manager(data: str | bytes) -> ManagerMessage:
    """Parse one frame from a sign-in page or the floor board; `BadRequest` if invalid."""
    try:
        return _manager_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BadRequest(f"not a valid manager message: {exc}") from None
    except RecursionError:
        raise BadRequest("not a valid manager message: JSON is nested too deeply") from None
