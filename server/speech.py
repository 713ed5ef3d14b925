"""Calls spoken by the server, offline: espeak-ng turns each announcement into a WAV file.

The display page plays what the server made, so a waiting room hears the call in German and
in the visitor's language without any cloud service, and every screen hears the same voice.
Only texts the server itself announced can be spoken (`register` returns their URL), so the
endpoint cannot be used to make the server speak anything else. Sounds are cached by text
(the same call sounds the same all day) in a small LRU in memory.

Where espeak-ng is not installed `engine` is None: calls carry no audio URLs, the page falls
back to the browser's speech synthesis, and /healthz says so.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path

VOICES = {"en": "en-gb", "fr": "fr-fr"}  # espeak-ng names where they differ from the language code
CACHE = 200


class Speech:
    def __init__(self, *, engine: str | None = "auto"):
        self.engine = shutil.which("espeak-ng") if engine == "auto" else engine
        self.texts: dict[str, tuple[str, str]] = {}
        self.sounds: OrderedDict[str, bytes] = OrderedDict()

    def register(self, lang: str, text: str) -> str | None:
        """The key under which `text` can be heard, or None without a speech engine."""
        if self.engine is None:
            return None
        key = hashlib.sha256(f"{lang}\0{text}".encode()).hexdigest()[:20]
        self.texts[key] = (lang, text)
        return key

    @staticmethod
    def url(key: str) -> str:
        return f"/speech/{key}.wav"

    def wav(self, key: str) -> bytes | None:
        """The WAV for a registered key (made now if not cached; blocking: run in a thread)."""
        if key in self.sounds:
            self.sounds.move_to_end(key)
            return self.sounds[key]
        if key not in self.texts or self.engine is None:
            return None
        sound = self._speak(*self.texts[key])
        self.sounds[key] = sound
        while len(self.sounds) > CACHE:
            self.sounds.popitem(last=False)
        return sound

    def _speak(self, lang: str, text: str) -> bytes:
        # -w writes a WAV with true sizes; --stdout streams one with placeholder sizes
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "call.wav"
            subprocess.run([self.engine, "-v", VOICES.get(lang, lang), "-s", "150", "-w", str(out), text],
                           check=True, capture_output=True, timeout=20)
            return out.read_bytes()
