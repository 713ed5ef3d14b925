"""Every script on paper and on screen: the ticket raster's font chain against each font's own
cmap, and the display and phone page in Chromium with the fonts the server serves (issue 16)."""

from __future__ import annotations

import unicodedata
from functools import cache

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw

from printing import raster
from kiosk.ticket import Text, layout
from server.wire import protocol as p
from server.edge import views
from server.edge.app import Server
from server.wire.session import ClientSession

from .conftest import EVERY_SCRIPT, http_get, visitors_site

SITE = visitors_site()


@cache
def cmap(file: str) -> frozenset[int]:
    with TTFont(raster.FONTS / file) as font:
        return frozenset(font.getBestCmap())


def ticket_texts(lang: str) -> list[str]:
    ticket = p.TicketView(number="A017", service="residence", lang=lang, state="waiting", issued_at=1_790_000_000.0,
                          token="tok3n-for-the-status-page")
    reply = p.Reply(re=1, ticket=ticket, ahead=3, eta=(10, 20))
    blocks = layout(views.site(SITE), reply, lang=lang, words=SITE.words(lang))
    return [block.text for block in blocks if isinstance(block, Text)]


def inked(image: Image.Image) -> int:
    return image.width * image.height - sum(image.convert("L").point(lambda v: v > 127 and 255).histogram()[255:])


@pytest.mark.parametrize("lang", SITE.languages)
def test_every_ticket_text_is_drawn_in_fonts_that_have_its_glyphs(lang):
    for text in ticket_texts(lang):
        for bold in (False, True):
            for run in raster.runs(text):
                file = raster.FACES[run.face][bold]
                missing = [ch for ch in run.text if ord(ch) not in cmap(file)]
                assert not missing, f"{lang}: {file} lacks {missing} in {text!r}"
        assert inked(raster.render(text, 576)) > 0, text


def glyph(ch: str, face: str) -> Image.Image:
    """One character as the raster draws it, cropped to its ink."""
    image = Image.new("1", (80, 80), 1)
    ImageDraw.Draw(image).text((10, 10), ch, font=raster.font(1, False, face), fill=0)
    box = ImageChops.invert(image.convert("L")).getbbox()
    return image.crop(box) if box else image


@pytest.mark.parametrize("lang", ["ti", "ps"])
def test_no_letter_is_printed_as_the_missing_glyph_box(lang):
    """Tigrinya's and Pashto's letters each in the font the chain chose, against that font's
    .notdef box (what DejaVu alone printed for every Ethiopic letter and for ۍ)."""
    letters = {ch for text in ticket_texts(lang) for ch in text if unicodedata.category(ch).startswith("L")}
    assert letters
    for ch in sorted(letters):
        face = raster.runs(ch)[0].face
        box = glyph("\ue000", face)  # a private-use character no bundled font has
        assert glyph(ch, face).tobytes() != box.tobytes() or glyph(ch, face).size != box.size, ch
        assert glyph(ch, "DejaVuSans").tobytes() == glyph("\ue000", "DejaVuSans").tobytes() or \
            ord(ch) in cmap("DejaVuSans.ttf")  # DejaVu alone: a box wherever its cmap has no glyph


def test_runs_order_a_right_to_left_line_with_latin_inside():
    cut = raster.runs("د الماني ژبې B1 سند ۍ")
    assert [run.face for run in cut] == ["NotoNaskhArabic", "DejaVuSans", "NotoNaskhArabic"]
    shown = raster.in_visual_order(cut, rtl=True)
    assert [run.text.strip() for run in shown] == ["سند ۍ", "B1", "د الماني ژبې"]
    assert [run.face for run in raster.runs("ፓስፖርት 2026")] == ["NotoSansEthiopic", "DejaVuSans"]
    # brackets Noto Naskh lacks stand the right way round: read right to left, "(" comes first
    brackets = raster.in_visual_order(raster.runs("اجازه (لومړۍ غوښتنه)"), rtl=True)
    assert "".join(run.text for run in brackets if run.face == "DejaVuSans") == "()"
    assert [run.text for run in brackets][0] == "(" and brackets[-1].text.startswith("اجازه")
    assert raster.runs("Привет, Welt") == [raster.Run("DejaVuSans", "Привет, Welt")]  # one font, one run


# ---- the browser pages --------------------------------------------------------------------

CANVAS_CHECK = """async (letters) => {
  // each letter drawn with the page's own font family, compared with the missing-glyph box
  const family = getComputedStyle(document.documentElement).fontFamily;
  await document.fonts.load(`40px ${family}`, letters.join(""));
  await document.fonts.ready;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (ch) => {
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 64, 64);
    ctx.fillStyle = "#000"; ctx.font = `40px ${family}`; ctx.fillText(ch, 8, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const box = draw("\\uE000");
  return letters.filter((ch) => draw(ch) === box);
}"""


def page_letters(lang: str) -> list[str]:
    """The letters of the words the display and the phone page show in `lang`."""
    words = SITE.words(lang)
    texts = [v for k, v in words.items() if k.startswith(("display.", "status.", "call."))]
    texts += [service.names[lang] for service in SITE.services]
    return sorted({ch for text in texts for ch in text if unicodedata.category(ch).startswith("L")})


@pytest.fixture
async def visitors_server(tmp_path):
    server = Server(SITE, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def test_the_server_serves_the_fonts_the_css_names(visitors_server):
    base = f"http://127.0.0.1:{visitors_server.port}"
    status, headers, css = await http_get(f"{base}/display/fonts.css")
    assert status == 200
    for file in {name for pair in raster.FACES.values() for name in pair}:
        assert f"fonts/{file}".encode() in css
        status, headers, body = await http_get(f"{base}/display/fonts/{file}")
        assert status == 200 and headers["Content-Type"] == "font/ttf"
        assert body == (raster.FONTS / file).read_bytes()
    status, _, _ = await http_get(f"{base}/display/fonts/..%2Fraster.py")
    assert status == 404


async def test_the_display_and_the_phone_page_draw_every_script_with_the_served_fonts(visitors_server, browser):
    base = f"http://127.0.0.1:{visitors_server.port}"
    kiosk = ClientSession(f"ws://127.0.0.1:{visitors_server.port}/", role="kiosk", terminal="kiosk-1",
                          token=SITE.terminal("kiosk-1").token)
    kiosk.start()
    await kiosk.ready()
    reply = await kiosk.request(p.Draw(id=0, service="info", lang="ti", request="r1"))
    await kiosk.close()
    token = reply.ticket.token
    page = await browser.new_page()
    for url in (f"{base}/display?lang={','.join(EVERY_SCRIPT)}", f"{base}/t/{token}"):
        await page.goto(url)
        for lang in EVERY_SCRIPT:
            letters = page_letters(lang)
            assert letters and await page.evaluate(CANVAS_CHECK, letters) == [], (url, lang)
    # the same page without the served fonts: this machine has no Ethiopic font, so the check sees boxes
    await page.route("**/display/fonts.css", lambda route: route.fulfill(status=200, body="", content_type="text/css"))
    await page.goto(f"{base}/t/{token}")
    ethiopic = [ch for ch in page_letters("ti") if "\u1200" <= ch <= "\u139f"]
    assert ethiopic and await page.evaluate(CANVAS_CHECK, page_letters("ti")) == ethiopic
    await page.close()
