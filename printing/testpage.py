"""The printer test page (`willkommen-kiosk printer-test --printer URL`): an office admin sees in
one minute whether a printer and its profile print tickets right.

On it, top to bottom:
- the profile, the paper's width in dots and the text mode (native code pages or raster only);
- every code page the profile will use, each as its `ESC t` number and name, then the sample
  letters of the languages that use it sent under that page, and under them the same letters
  drawn as an image: the two lines must read the same (a wrong page prints other letters);
- which languages print as images on this profile (their scripts, or letters no page carries);
- a raster line to be centred and one to stand at the right edge, each under a note saying
  where it belongs (a printer that ignores `ESC a` for images prints both at the left: use
  `?text=raster`);
- the QR code as tickets print it, which a phone must read as "WILLKOMMEN PRINTER TEST";
- the cut (or, without a cutter, the tear line fed up to the bar).

Raster only (`?text=raster`) there are no code pages: every line is an image placed from the
paper's left edge, so the page shows the samples once, as images, and the centred and right
lines must stand where they say.
"""

from __future__ import annotations

from printing.blocks import QR, Block, Cut, Drawn, Native, Text
from printing.codepages import code_pages
from printing.library import escpos
from printing.raster import right_to_left

QR_TEXT = "WILLKOMMEN PRINTER TEST"
SAMPLES = {   # a line in each bundled language with the letters beyond ASCII its tickets use
    "de": "Ausländerbehörde · Straße ÄÖÜ äöü ß",
    "fr": "Titre de séjour · é è ê à ç œ",
    "tr": "Oturma izni · ğ Ğ ş Ş ı İ ç Ç",
    "ru": "Вид на жительство · Ё ё Ж ж Щ щ",
    "uk": "Дозвіл на проживання · І і Ї ї Є є Ґ ґ",
    "ar": "تصريح الإقامة",
    "fa": "اجازه اقامت",
    "ps": "د اوسېدو اجازه‌لیک",
    "ti": "ፍቓድ መንበሪ",
}
RIGHT = "→ إلى اليمين"   # "to the right": a right-to-left line, printed at the right edge


def used_pages(profile: str) -> dict[str, list[str]]:
    """Code page -> the sample languages with letters under it (CP437 always: every ticket
    starts on it). A letter no page carries makes its line an image (`without_page`)."""
    used: dict[str, list[str]] = {"CP437": []}
    for lang, text in SAMPLES.items():
        if right_to_left(text):
            continue
        encoder = escpos().Encoder(code_pages(profile))
        for ch in text:
            page = None if ch.isascii() else encoder.find_suitable_encoding(ch)
            if page is not None and lang not in used.setdefault(page, []):
                used[page].append(lang)
    return used


def without_page(profile: str) -> dict[str, str]:
    """Language -> its sample's letters that no page of `profile` carries ("" : the whole script)."""
    missing = {}
    for lang, text in SAMPLES.items():
        encoder = escpos().Encoder(code_pages(profile))
        beyond = dict.fromkeys(ch for ch in text if not ch.isascii() and not ch.isspace())
        lacking = "" if right_to_left(text) else "".join(ch for ch in beyond if not encoder.find_suitable_encoding(ch))
        if right_to_left(text) or lacking:
            missing[lang] = "" if len(lacking) == len(beyond) else lacking  # "": the whole script
    return missing


def test_page(profile: str, width: int, *, raster_only: bool = False) -> list[Block]:
    """The page's blocks for a printer with `profile`, `width` dots wide."""
    mode = "raster only (no code pages)" if raster_only else "code pages where they carry the script"
    blocks: list[Block] = [Text("WILLKOMMEN PRINTER TEST", bold=True, size=2),
                           Text(f"profile {profile}, {width} dots, text: {mode}", align="left")]
    if raster_only:
        blocks.append(Text("Every line is an image; the samples:", bold=True, align="left"))
        blocks += [Drawn(text, align="left", lang=lang) for lang, text in SAMPLES.items()]
    else:
        blocks.append(Text("Each sample twice: the printer's letters, then an image. They must match.",
                           align="left"))
        blocks += list(code_page_samples(profile))
    blocks += [Text("Next: an image in the middle", align="left"),
               Drawn("| centre |", align="center"),
               Text("Next: an image at the right edge", align="left"),
               Drawn(RIGHT, align="left", lang="ar"),  # right-to-left: aligned right
               Text(f"The QR code must read: {QR_TEXT}", align="left"),
               QR(QR_TEXT),
               Text("End of the test page", align="left"),
               Cut()]
    return blocks


def code_page_samples(profile: str):
    """Per page: its number and name, the samples under it, and the same drawn as an image."""
    numbers = code_pages(profile)
    for page, langs in used_pages(profile).items():
        yield Text(f"ESC t {numbers[page]} = {page}: {' '.join(langs) or 'ASCII'}", bold=True, align="left")
        for lang in langs or ["en"]:
            text = SAMPLES.get(lang, "Welcome / Willkommen 0123456789")
            line = "".join(ch for ch in text if ch.isascii() or ch in characters(page))
            yield Native(line, align="left", lang=lang, encoding=page)
            yield Drawn(line, align="left", lang=lang)
    images = [f"{lang} ({letters})" if letters else lang for lang, letters in without_page(profile).items()]
    yield Text(f"Lines with these print as images here: {', '.join(images)}", align="left")


def characters(page: str) -> set[str]:
    """The letters beyond ASCII that `page` carries (python-escpos' table of the page)."""
    return set(escpos().Encoder({page: 0})._get_codepage_char_map(page))
