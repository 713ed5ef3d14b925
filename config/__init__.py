"""Site configuration: one TOML file per office, loaded into frozen dataclasses and validated.

`load_site(path)` returns a `Site`; `load_site()` the bundled demo office (`default.toml`).
`strings(lang)` returns the UI string catalogue of a language (`strings/<lang>.toml`).
"""

from config.errors import ConfigError
from config.loader import default_path, load_site, parse_site
from config.site import Counter, Service, Site, Terminal
from config.strings import strings

__all__ = ["ConfigError", "Counter", "Service", "Site", "Terminal", "default_path", "load_site",
           "parse_site", "strings"]
