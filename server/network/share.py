"""An office's commands for shared knowledge (`server.network.knowledge`):

    (--to, --office and the token file by default from the site file's [network], as the board has them)
    willkommen-server network publish --to URL --office ID [--config site.toml]
        publish this office's texts (documents, services, partners, its languages' catalogues)
    willkommen-server network list --to URL --office ID [--config site.toml]
        who published and when, in the office's time (the site file's `timezone`: Europe/Berlin)
    willkommen-server network compare OTHER --to URL --office ID [--config site.toml] [--what PREFIX …]
        what differs between the other office's texts and this office's
    willkommen-server network adopt OTHER --what PREFIX [--what …] --to URL --office ID [--config site.toml]
                                          [--into FOLDER]
        write what the other office published under each PREFIX (documents.passport, strings.ti,
        partners.jobcenter, services.residence.hints) as files to review, beside the site file
        (`adopted-OTHER-<time>/`), never over it; nothing of the office changes until its admin
        copies them in

Texts from the network are printed with control characters shown as `\\x1b`, never raw into
the admin's terminal. What the commands say around them (a refusal, what was done, a comparison's
words) is in the staff catalogue's language (`[cli.network.said]`): German, `--lang en` English.
Status 0 when done, 1 when the network refused or an item is not there,
2 for a configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec

from server.network import knowledge
from server.network.adoption import Listed, adopt_files, local
from server.network.options import OneLineParser, sentence
from server.network.send import NetworkGarbage, NotSent, call, from_site, office_options, token_of

SHOWN = 120  # characters of a text a comparison prints


def command(name: str, argv: list[str]) -> int:
    from config import ConfigError, load_site

    from config.command import command_lang

    parser = OneLineParser(prog=f"willkommen-server network {name}", lang=command_lang(argv))
    w = parser.words
    parser.description = w(f"network.{name}")
    if name in ("compare", "adopt"):
        parser.add_argument("other", metavar=w("network.other_metavar"), help=w("network.other"))
    office_options(parser)
    parser.add_argument("--config", type=Path, default=None, metavar=w("server.file_metavar"), help=w("network.config"))
    if name in ("compare", "adopt"):
        parser.add_argument("--what", action="append", default=[], required=name == "adopt",
                            metavar=w("network.what_metavar"), help=w("network.what"))
    if name == "adopt":
        parser.add_argument("--into", type=Path, default=None, metavar=w("network.folder_metavar"),
                            help=w("network.into"))
    args = parser.parse_args(argv)
    try:
        from_site(parser, args, load_site(args.config, secrets=False))
        args.words = w
        return COMMANDS[name](args)
    except (ConfigError, NotSent, ValueError) as exc:
        return _refused(parser, exc)


def _refused(parser: OneLineParser, exc: Exception) -> int:
    """A command's refusal in one line: a site file that does not serve is status 2 (fix the
    file), a network or adoption that did not work status 1 (try again, or look)."""
    from config import ConfigError

    if isinstance(exc, ConfigError):
        print(f"{parser.prog}: {sentence(exc, parser.words)}", file=sys.stderr)
        return 2
    print(f"{parser.prog}: {shown(sentence(exc, parser.words), 2000)}", file=sys.stderr)
    return 1


def _url(args, path: str) -> str:
    return args.to.rstrip("/") + path


def publish(args) -> int:
    mine = knowledge.of_site(args.config, args.office)
    answer = call(_url(args, "/knowledge"), token_of(args), body=msgspec.json.encode(mine), tries=args.tries,
                  lang=args.words.lang)
    count = answer.get("published") if isinstance(answer, dict) else None
    if not isinstance(count, int):
        raise NetworkGarbage(f"the network answered a publication with {shown(answer, 80)}", "garbage", url=args.to)
    said = args.words("network.said.published", count=count, office=args.office, url=args.to)
    print(f"willkommen-server network publish: {said}", file=sys.stderr)
    return 0


def listing(args) -> int:
    from config import load_site

    timezone = load_site(args.config, secrets=False).timezone
    for entry in listed(args):
        print(f"{shown(entry.office, 40)}\t{shown(entry.name, 80)}\t{local(entry.published_at, timezone)}")
    return 0


def listed(args) -> list[Listed]:
    """Who published and when, as the network lists it (anything else: `NetworkGarbage`)."""
    try:
        return msgspec.convert(call(_url(args, "/knowledge"), token_of(args), tries=args.tries, lang=args.words.lang),
                                list[Listed])
    except msgspec.ValidationError as exc:
        raise NetworkGarbage(f"the network's list of publications is not one: {exc}", "not_a_list",
                             url=args.to) from None


def fetch(args) -> knowledge.Published:
    found = call(_url(args, f"/knowledge/{args.other}"), token_of(args), tries=args.tries, lang=args.words.lang)
    try:
        return msgspec.convert(found, knowledge.Published)
    except msgspec.ValidationError as exc:
        raise NetworkGarbage(f"what the network gave as {args.other}'s knowledge is not an office's: {exc}",
                             "not_knowledge", url=args.to, office=args.other) from None


def compare(args) -> int:
    theirs, mine = fetch(args), knowledge.of_site(args.config, args.office)
    found = knowledge.differences(mine, theirs, args.what)
    for line in report(found, theirs.office, args.words, detailed=bool(args.what)):
        print(line)
    if not found:
        print(args.words("network.said.same_under", other=theirs.office, what=", ".join(args.what)) if args.what
              else args.words("network.said.same", other=theirs.office))
    return 0


def report(found: list[knowledge.Difference], other: str, w, *, detailed: bool) -> list[str]:
    """One line an item; a language's catalogue summed up in one line unless asked for by `--what`."""
    lines: list[str] = []
    catalogues: dict[str, list[knowledge.Difference]] = {}
    for d in found:
        if d.key.startswith("strings.") and not detailed:
            catalogues.setdefault(d.key.split(".")[1], []).append(d)
            continue
        lines.append(f"{d.key}\t{_said(d, other, w)}")
    for lang, ds in sorted(catalogues.items()):
        only = sum(d.kind == "only_theirs" for d in ds)
        differ = sum(d.kind == "differs" for d in ds)
        lines.append(f"strings.{lang}\t" + w("network.said.catalogue", differ=differ, only=only, other=other,
                                                lang=lang))
    return lines


def _said(d: knowledge.Difference, other: str, w) -> str:
    if d.kind == "only_theirs":
        return w("network.said.only_theirs", other=other, theirs=shown(d.theirs))
    if d.kind == "only_mine":
        return w("network.said.only_mine", mine=shown(d.mine))
    return w("network.said.differs", other=other, mine=shown(d.mine), theirs=shown(d.theirs))


def adopt(args) -> int:
    """Files to review; with `[network]` in the site file (and no `--into`), the language texts put
    in force as the board does (`adoption.adopt_files`): the running server reads them within seconds."""
    import getpass

    from config import default_path, load_site

    from server.network import in_force

    theirs = fetch(args)
    chosen = knowledge.select(theirs, args.what)
    site_file = Path(args.config) if args.config else default_path()
    base = args.into or site_file.resolve().parent
    site = load_site(site_file, secrets=False)
    forcing = site if args.into is None and site.network is not None else None
    if forcing is not None:
        base = site.network.into
        _refuse_root(site.network.into, args.words)
    published = local(next((e.published_at for e in listed(args) if e.office == theirs.office), ""), site.timezone)
    command_line = "willkommen-server network adopt " + " ".join([args.other, *(f"--what {w}" for w in args.what)])
    files = knowledge.fragment(chosen, theirs, published_at=published, command=command_line, lang=args.words.lang)
    by = args.words("network.file.by_command", user=getpass.getuser())
    folder, files, forced = adopt_files(base, theirs.office, site.timezone, files, site=forcing, chosen=chosen,
                                        head=in_force.head(theirs.office, theirs.name, published, by,
                                                           how="command", lang=args.words.lang))
    said = args.words("network.said.adopted_in_force" if forced else "network.said.adopted", count=len(chosen),
                      office=theirs.office, folder=folder, files=", ".join(sorted(files)), site=site_file.name,
                      langs=", ".join(forced))
    print(f"willkommen-server network adopt: {said}", file=sys.stderr)
    return 0


def _refuse_root(into: Path, w) -> None:
    """Root writing into the service's folder would leave files the service cannot replace (its next
    adoption on the board, an undo): the command runs as the folder's owner (`sudo -u willkommen`)."""
    import os
    import pwd

    owner = into.stat().st_uid
    if os.geteuid() == 0 and owner != 0:
        raise NotSent(f"run as the owner of {into}, not as root", "as_owner", folder=into,
                      user=pwd.getpwuid(owner).pw_name)


COMMANDS = {"publish": publish, "list": listing, "compare": compare, "adopt": adopt}


def shown(value, limit: int = SHOWN) -> str:
    """A text from outside as the terminal may show it: control characters escaped, cut to `limit`."""
    text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
    text = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def undo_command(argv: list[str]) -> int:
    """`network undo --config site.toml`: the newest adoption's language files taken back, the
    files before it in force (`in_force.undo`); the running server reads them within seconds.
    Status 1 when no adoption is left to undo or the file before no longer fits."""
    import getpass

    from config import ConfigError, load_site
    from config.command import command_lang

    from server.network import in_force

    parser = OneLineParser(prog="willkommen-server network undo", lang=command_lang(argv))
    w = parser.words
    parser.description = w("network.undo")
    parser.add_argument("--config", type=Path, default=None, metavar=w("server.file_metavar"), help=w("network.config"))
    args = parser.parse_args(argv)
    try:
        site = load_site(args.config, secrets=False)
        if site.network is None:
            raise NotSent("the site file has no [network]", "undo_no_network", file=site.source or "")
        _refuse_root(site.network.into, w)
        folder, langs = in_force.undo(site)
    except (ConfigError, NotSent, ValueError) as exc:
        return _refused(parser, exc)
    import logging
    logging.getLogger("willkommen.network").info(
        f"network undo: {', '.join(langs)} of {folder.name} taken back, the files before it in force",
        extra={"fields": {"by": f"{getpass.getuser()} on the command line", "folder": str(folder), "in_force": langs}})
    print(f"{parser.prog}: {w('network.said.undone', langs=', '.join(langs), folder=folder)}", file=sys.stderr)
    return 0
