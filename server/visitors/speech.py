"""Calls spoken by the server, offline: espeak-ng turns each announcement into a WAV file.

The display page plays what the server made, so a waiting room hears the call in German and
in the visitor's language without any cloud service, and every screen hears the same voice.
Only texts the server itself announced can be spoken (`register` returns their URL), so the
endpoint cannot be used to make the server speak anything else. Sounds are cached by text
(the same call sounds the same all day) in a small LRU in memory, and only the last `CACHE`
texts announced can be heard: so each is made at most once, one at a time (`sound`). Anyone
may fetch /speech (a display needs no secret): every call's text stayed speakable all day and
fell out of the cache, and a stranger asking for the day's calls in a loop kept six espeak-ng
processes making them again, the kiosks' draws from 1 ms to 120-270 ms (p99, max).

Each site language gets a voice: the site's `[site.voices]` names one (`prs = "fa"`: Dari in
the Persian voice) or none (`ti = ""`); otherwise espeak-ng's voice for the tag, for its
language subtag, or for CLDR's alias of it (`kmr` -> `ku`) is taken if espeak-ng has one. A
language without a voice is not spoken: its call is announced in German and the site's other
languages, and its text is shown (`silent` in the call tells the page not to try the
browser's voice either). A voice that fails (espeak-ng exits with an error or hangs) is logged
once, as JSON, and not tried again: its language becomes silent, /speech answers 404 for it,
never 500. `status()` is what /healthz shows.

Where espeak-ng is not installed `engine` is None: calls carry no audio URLs, the page falls
back to the browser's speech synthesis, and /healthz says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Mapping

from babel.core import get_global

from config import languages as tags

log = logging.getLogger("willkommen.speech")
VOICES = {"en": "en-gb", "fr": "fr-fr"}  # espeak-ng names where they differ from the language code
CACHE = 200


def installed_voices(engine: str | None) -> frozenset[str]:
    """The language names of espeak-ng's voices (`espeak-ng --voices`, second column)."""
    if engine is None:
        return frozenset()
    try:
        listing = subprocess.run([engine, "--voices"], capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1)


def reads_script_of(voice: str | None, lang: str) -> bool:
    """Whether espeak-ng's `voice` reads the letters `lang` is written in. Sorani (`ckb`) is
    written in Arabic letters; espeak-ng's `ku` reads Kurmanji's Latin ones and says the name
    of each Arabic letter instead: a voice that does not read the script is worse than none.
    True where the locale data does not know one of the two scripts."""
    if voice is None:
        return True
    mine, its = tags.script(lang), tags.script(voice)
    private = lambda script: script is None or script.startswith("Qa")  # Qaaa-Qabx: private use
    return private(mine) or private(its) or mine == its


class Speech:
    def __init__(self, languages: tuple[str, ...] = (), *, voices: Mapping[str, str] = {},
                 engine: str | None = "auto"):
        self.engine = shutil.which("espeak-ng") if engine == "auto" else engine
        self.installed = installed_voices(self.engine)
        self.voices = {lang: self._choose(lang, voices) for lang in languages}
        self.wrong_script = {lang: voice for lang, voice in self.voices.items() if not reads_script_of(voice, lang)}
        for lang, voice in self.wrong_script.items():
            log.warning("voice reads another script", extra={"fields": {
                "lang": lang, "voice": voice, "script": tags.script(lang), "voice_script": tags.script(voice),
                "fix": f'[site.voices] {lang} = "" (shown, not spoken) or a voice for {tags.script(lang)} letters'}})
        self.failed: dict[str, str] = {}          # voice -> why it failed (logged once)
        self.texts: OrderedDict[str, tuple[str, str]] = OrderedDict()  # the last CACHE announced
        self.sounds: OrderedDict[str, bytes] = OrderedDict()
        self.making = asyncio.Lock()  # one espeak-ng at a time (`sound`)

    def _choose(self, lang: str, configured: Mapping[str, str]) -> str | None:
        if lang in configured:
            return configured[lang] or None
        aliases = get_global("language_aliases")
        language = lang.split("-")[0]
        alias = aliases.get(lang.replace("-", "_")) or aliases.get(language) or ""
        for candidate in (VOICES.get(lang), lang.lower(), VOICES.get(language), language, alias.split("_")[0]):
            # a voice found by the language alone must read its script: ku-Arab is not spoken by `ku`
            if candidate and candidate in self.installed and reads_script_of(candidate, lang):
                return candidate
        return None

    def voice(self, lang: str) -> str | None:
        """The voice `lang` is spoken in, None if it is not (no voice, or the voice failed)."""
        if lang not in self.voices:  # not a site language: as before, its own tag
            self.voices[lang] = self._choose(lang, {})
        voice = self.voices[lang]
        return None if voice is None or voice in self.failed else voice

    def register(self, lang: str, text: str) -> str | None:
        """The key under which `text` can be heard, or None (no engine, or no voice for `lang`)."""
        if self.engine is None or self.voice(lang) is None:
            return None
        key = hashlib.sha256(f"{lang}\0{text}".encode()).hexdigest()[:20]
        self.texts[key] = (lang, text)
        self.texts.move_to_end(key)
        while len(self.texts) > CACHE:  # an older call is heard no more: its sound goes too
            self.sounds.pop(self.texts.popitem(last=False)[0], None)
        return key

    @staticmethod
    def url(key: str) -> str:
        return f"/speech/{key}.wav"

    async def sound(self, key: str) -> bytes | None:
        """`wav` for the page: a cached sound at once, a new one made in a thread, one at a time
        (requests for the same new call wait for it and find it made)."""
        if key in self.sounds or key not in self.texts:
            return self.wav(key)
        async with self.making:
            return await asyncio.to_thread(self.wav, key)

    def wav(self, key: str) -> bytes | None:
        """The WAV for a registered key (made now if not cached; blocking: run in a thread);
        None for an unknown key or a voice that failed."""
        if key in self.sounds:
            self.sounds.move_to_end(key)
            return self.sounds[key]
        if key not in self.texts or self.engine is None:
            return None
        lang, text = self.texts[key]
        voice = self.voice(lang)
        if voice is None:
            return None
        try:
            sound = self._speak(voice, text)
        except (OSError, subprocess.SubprocessError) as exc:
            self._failed(lang, voice, exc)
            return None
        self.sounds[key] = sound
        while len(self.sounds) > CACHE:
            self.sounds.popitem(last=False)
        return sound

    def _failed(self, lang: str, voice: str, exc: Exception) -> None:
        if voice in self.failed:
            return
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        self.failed[voice] = (detail or str(exc)).strip()[:200]
        log.warning("speech failed", extra={"fields": {"lang": lang, "voice": voice, "error": self.failed[voice]}})

    def _speak(self, voice: str, text: str) -> bytes:
        # -w writes a WAV with true sizes (--stdout streams one with placeholder sizes); the
        # text goes in on stdin, never as an argument: a supervisor's "-- closed at 12 --" was
        # read as options, no file was written, and that failure silenced the whole language
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "call.wav"
            subprocess.run([self.engine, "-v", voice, "-s", "150", "-w", str(out), "--stdin"],
                           input=text.encode("utf-8"), check=True, capture_output=True, timeout=20)
            return out.read_bytes()

    def status(self) -> dict:
        """For /healthz: which site languages are spoken, in which voice, and which are not."""
        spoken = {lang: self.voice(lang) for lang in self.voices if self.engine and self.voice(lang)}
        return {"spoken": spoken, "silent": [lang for lang in self.voices if lang not in spoken],
                "wrong_script": dict(self.wrong_script),
                "failed": dict(self.failed)}
