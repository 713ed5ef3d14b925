"""Languages as BCP 47 tags (`de`, `fa-AF`, `prs`, `ku-Latn`, `ckb`), named and matched from the
Unicode locale data (CLDR, through babel) instead of hand-kept tables.

    canonical("FA-af")          -> "fa-AF"
    name("prs")                 -> "دری"      (its own name, for the kiosk's button)
    name("prs", "de")           -> "Dari"     (for the clerk)
    direction("ps")             -> "rtl"
    negotiate("ps,fa;q=0.8,en;q=0.5", ("de", "prs", "ps"))  -> "ps"

A tag babel has no locale for is looked up through CLDR's language aliases (`prs` -> `fa_AF`,
`kmr` -> `ku`), then by its language subtag alone; a tag neither knows is refused by the
site loader, so every site language has a name and a direction.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.core import get_global

# language[-Script][-REGION]: what an office needs; extensions and variants are not used here
TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
QUALITY = re.compile(r"^q=([01](\.\d{0,3})?)$")


def canonical(tag: str) -> str:
    """The tag in BCP 47's usual case: language lower, Script title, REGION upper."""
    parts = tag.strip().replace("_", "-").split("-")
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        fixed.append(part.title() if len(part) == 4 else part.upper() if len(part) in (2, 3) else part)
    return "-".join(fixed)


def well_formed(tag: str) -> bool:
    return bool(TAG.match(tag))


@cache
def locale(tag: str) -> Locale | None:
    """babel's locale for a tag, through CLDR's aliases (`prs` -> fa_AF); None if unknown."""
    aliases = get_global("language_aliases")
    language = tag.split("-")[0]
    for candidate in (tag, aliases.get(tag.replace("-", "_")), aliases.get(language), language):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate, sep="-" if "-" in candidate else "_")
        except (UnknownLocaleError, ValueError):
            continue
    return None


def known(tag: str) -> bool:
    return locale(tag) is not None


def _key(loc: Locale) -> str:
    return "_".join(part for part in (loc.language, loc.script, loc.territory) if part)


@cache
def name(tag: str, in_tag: str | None = None) -> str:
    """The language's name in `in_tag` (default: in itself), first letter capital as on a
    button. Regional tags take CLDR's own name where it has one (fa_AF is "Dari")."""
    subject, reader = locale(tag), locale(in_tag or tag)
    if subject is None or reader is None:
        return tag
    names = reader.languages
    text = (names.get(_key(subject)) or names.get(f"{subject.language}_{subject.territory}")
            or names.get(subject.language) or tag)
    return text[:1].upper() + text[1:]


def direction(tag: str) -> str:
    loc = locale(tag)
    return "rtl" if loc is not None and loc.text_direction == "rtl" else "ltr"


def _equivalents(tag: str) -> list[str]:
    """Other spellings of the same language in CLDR's aliases, both ways (prs <-> fa-AF)."""
    aliases = get_global("language_aliases")
    key = tag.replace("-", "_")
    found = [aliases[key]] if key in aliases else []
    found += [alias for alias, target in aliases.items() if target == key and len(alias) <= 3]
    return [canonical(t) for t in found]


# ISO 639-3 macrolanguages whose members an office lists by their own tag: a phone asking
# for the macrolanguage in a script (`ku-Arab`: Kurdish in Arabic letters) means the member
# written in it (Sorani, `ckb`). CLDR has no such table (its aliases map kmr to ku only).
MACROLANGUAGES = {"ku": ("ckb", "kmr", "sdh"), "fa": ("prs", "pes"), "ar": ("arb", "apc", "arz", "ary", "acm"),
                  "ps": ("pbt", "pbu", "pst"), "zh": ("cmn", "yue")}


def script(tag: str) -> str | None:
    """The tag's script, written or likely (CLDR's likely subtags: `ckb` is Arab, `ku` Latn,
    `fa-latn` Latn); None where CLDR does not say."""
    parts = canonical(tag).split("-")
    written = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if written:
        return written
    likely, aliases = get_global("likely_subtags"), get_global("language_aliases")
    for key in (tag.replace("-", "_"), aliases.get(tag.replace("-", "_")), parts[0], aliases.get(parts[0])):
        found = likely.get(key or "") or likely.get((key or "").split("_")[0])
        if found and len(found.split("_")) > 1:
            return found.split("_")[1]
    return None


def _same_script(tag: str, available: tuple[str, ...] | list[str]) -> str | None:
    """For a tag with a script subtag (`ku-Arab`), the site language of that language, an alias
    or a member of its macrolanguage that is written in that script (`ckb`)."""
    parts = tag.split("-")
    if not any(len(p) == 4 for p in parts[1:]):
        return None
    family = {parts[0], *(t.split("-")[0] for t in _equivalents(parts[0])), *MACROLANGUAGES.get(parts[0], ())}
    for site_tag in available:
        if site_tag.split("-")[0].lower() in family and script(canonical(site_tag)) == script(tag):
            return site_tag
    return None


ACCEPTED = 16  # Accept-Language's first ranges read: a browser sends a handful


def accepted(header: str) -> list[str]:
    """Accept-Language's tags, best first (q=0 means "not this one"); only its first `ACCEPTED`
    ranges: each unknown tag costs a look through babel's locales, and a header of 700 made-up
    tags (8 KB) took 150 ms of the event loop per phone page; four strangers sending it in a
    loop held every kiosk's answer up to 300 ms."""
    ranked = []
    for position, part in enumerate(header.split(",", ACCEPTED)[:ACCEPTED]):
        tag, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            if match := QUALITY.match(param):
                quality = float(match.group(1))
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, canonical(tag)))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(header: str, available: tuple[str, ...] | list[str]) -> str | None:
    """The site language that best serves a browser's Accept-Language, or None.

    Each of the browser's tags in its order of preference: the same tag or an alias of it
    (`fa-AF` finds a site's `prs`), else babel's match, else a language of the tag's script
    (`ku-Arab` finds Sorani, `ckb`), else the language alone (`de-AT` finds `de`, `kmr`
    finds `ku-Latn`)."""
    lower = {tag.lower(): tag for tag in available}
    for tag in accepted(header):
        for candidate in (tag, *_equivalents(tag)):
            if candidate.lower() in lower:
                return lower[candidate.lower()]
        match = negotiate_locale([tag], list(available), sep="-", aliases={})
        if match is not None:
            return lower.get(match.lower(), match)
        if found := _same_script(tag, available):
            return found
        language = tag.split("-")[0]
        for candidate in (language, *_equivalents(language)):
            for site_tag in available:
                if site_tag.split("-")[0].lower() == candidate.split("-")[0].lower():
                    return site_tag
    return None
