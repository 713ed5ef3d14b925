"""The staff's words on the command line: every installed command's `--help`, its usage errors
and its file read errors in a staff catalogue's language (`config/strings/staff/<lang>.toml`,
`[cli]`): German by default, English with `--lang en` after the command, as `willkommen-counter
--lang en` and the staff's pages (`[[people]] lang`) already choose between the two catalogues.

    willkommen-server backup                  ->  willkommen-server backup: Diese Angabe fehlt: DEST …
    willkommen-server backup --lang en        ->  willkommen-server backup: the following arguments are required: DEST …

Why a small `ArgumentParser` subclass (`StaffParser`) and not argparse's gettext domain:
argparse looks its words up through `gettext.gettext`, whose domain is one for the whole process
and whose language comes from `$LANGUAGE`/`$LANG`, not from the staff's `--lang`; using it would
need compiled `.mo` files beside the TOML catalogues (a second mechanism, a build step) and would
follow the admin's shell locale rather than German by default. The subclass keeps everything in
the staff catalogues: the usage prefix, the section titles and `-h` come from `[cli.help]`, and
every message argparse hands to `error()` is read back against the English catalogue's
`[cli.said]` (argparse's own English words, and the options' checks' words: `said()`) and said
again in the chosen language. A message argparse words differently in a later Python stays
English inside a German sentence, never a traceback (tests/test_cli_german.py holds every one
this Python says).

File read errors (`config.files`) carry a `why` (`not_found`, `denied`, `not_toml` with line
and column ...) that `file_sentence()` turns into one sentence naming the file, what is wrong and
what to do; the commands print it and end with status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import re
from functools import cache

from config.errors import ConfigError
from config.strings import available, counted, strings

LANG_OPTION = "--lang"


def command_lang(argv: list[str] | None) -> str:
    """The staff language `argv` asks for (`--lang en`, `--lang=en`), German where it asks for
    none or for one without a staff catalogue (argparse then says which there are, in German)."""
    argv = list(argv or ())
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = argv[i + 1] if arg == LANG_OPTION and i + 1 < len(argv) else \
            arg.partition("=")[2] if arg.startswith(LANG_OPTION + "=") else None
        if value is not None:
            return value if value in available("staff") else "de"
    return "de"


class Words:
    """The `[cli]` words of one staff catalogue: `words("help.usage")`."""

    def __init__(self, lang: str = "de"):
        self.lang = lang if lang in available("staff") else "de"
        self.text = strings(self.lang, "staff")

    def __call__(self, name: str, /, **fields) -> str:
        return self.text[counted(self.text, f"cli.{name}", self.lang, fields)].format(**fields)

    def translate(self, message: str) -> str:
        """`message` as argparse (or an option's check) said it in English, in this language."""
        if self.lang == "en":
            return message
        for key, pattern in _patterns():
            if match := pattern.match(message):
                fields = {name: self.translate(value) if name == "message" else self._named(value)
                          for name, value in match.groupdict().items()}
                return self(f"said.{key}", **fields)
        return message

    def _named(self, value: str) -> str:
        """argparse's name of a type (`int`, `float`) as the catalogue says it."""
        return self.text.get(f"cli.type.{value}", value)


def said(key: str, **fields) -> str:
    """An option's check's refusal (an `ArgumentTypeError`'s text), in the words `Words.translate`
    knows to say again in German: the English catalogue's `[cli.said]`."""
    return strings("en", "staff")[f"cli.said.{key}"].format(**fields)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Each English `[cli.said]` text as a pattern with its `{fields}` as groups; the longest
    words first, so "expected one argument" is not read as "expected {count} argument"."""
    english = {key.removeprefix("cli.said."): text for key, text in strings("en", "staff").items()
               if key.startswith("cli.said.")}
    found = []
    for key, text in english.items():
        parts = re.split(r"\{(\w+)\}", text)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        found.append((sum(len(part) for part in parts[::2]), key, re.compile(f"^{regex}$", re.S)))
    return tuple((key, pattern) for _, key, pattern in sorted(found, key=lambda item: -item[0]))


def _formatter(prefix: str):
    class Formatter(argparse.RawDescriptionHelpFormatter):
        """argparse's formatter with the usage line's prefix in the staff's words."""

        def add_usage(self, usage, actions, groups, prefix_=None):
            super().add_usage(usage, actions, groups, prefix)
    return Formatter


class StaffParser(argparse.ArgumentParser):
    """An `ArgumentParser` in the staff's words (`lang`, usually `command_lang(argv)`): `-h`, the
    section titles and the usage line from `[cli.help]`, a refusal in one line and status 2 (a
    service manager's log shows only the last line), and `--lang` for every command."""

    def __init__(self, *args, lang: str = "de", lang_help: str | None = None, **kwargs):
        self.words = Words(lang)
        kwargs.setdefault("formatter_class", _formatter(self.words("help.usage")))
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = self.words("help.positionals")
        self._optionals.title = self.words("help.options")
        self.register("action", None, _Once)  # an option with a value: refused when given twice
        self.register("action", "store", _Once)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=self.words("help.help"))
        self.add_argument(LANG_OPTION, choices=available("staff"), default=self.words.lang,
                          help=lang_help or self.words("help.lang"))

    def parse_known_args(self, args=None, namespace=None):
        self.given: set[str] = set()  # the options with a value met so far (`_Once`)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {self.words.translate(message)} ({self.words('help.more')})\n")

    def refuse(self, key: str, **fields) -> int:
        """A usage error found after parsing (`--terminal` and `--token` both needed): one line on
        stderr in the same words as argparse's; the status to return, 2."""
        import sys

        print(f"{self.prog}: {self.words(key, **fields)} ({self.words('help.more')})", file=sys.stderr)
        return 2


class _Once(argparse._StoreAction):
    """An option with a value given twice is refused, where argparse keeps the last: an admin who
    passed two `--config` files got one of them served, silently. Flags (`--demo` twice says
    the same) and options meant to repeat (`action="append"`) are as argparse has them."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = getattr(parser, "given", set())
        if self.option_strings and self.dest in given:
            twice = parser.words("usage.twice", option=option_string, first=getattr(namespace, self.dest), second=values)
            parser.exit(2, f"{parser.prog}: {twice} ({parser.words('help.more')})\n")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


def file_sentence(exc: Exception, words: Words) -> str:
    """A file that cannot be read, as one sentence naming it, what is wrong and what to do; a
    site file whose key is wrong, with the loader's words for the key (`config.loader`). Any
    error with a `why` the catalogue's `[cli.file]` knows and its `fields` is said so (the
    store's `StoreUnavailable`: a database file in use, damaged, a folder); another as it is."""
    why, fields = getattr(exc, "why", ""), dict(getattr(exc, "fields", {}))
    if why and f"cli.file.{why}" in words.text:
        if "expected" in fields:  # the loader's words for a value: the common ones said again
            fields["expected"] = words.text.get(f"cli.expected.{fields['expected']}", fields["expected"])
        return words(f"file.{why}", **fields)
    if isinstance(exc, ConfigError):
        unset = re.fullmatch(r"environment variable (\S+) is not set", exc.problem)
        if unset:  # the file is right: the variable belongs in the environment (a unit's server.env)
            return words("file.unset", file=exc.file, key=exc.path, name=unset[1])
        return words("file.invalid", file=exc.file, problem=f"{exc.path}: {exc.problem}" if exc.path else exc.problem)
    return str(exc)


def say_file_problem(prog: str, exc: Exception, words: Words) -> int:
    """`prog: <the sentence>` on stderr; the status a command ends with, 2."""
    import sys

    print(f"{prog}: {file_sentence(exc, words)}", file=sys.stderr)
    return 2
