"""Site configuration: one TOML file per office, loaded into frozen dataclasses and validated.

`load_site(path)` returns a `Site`; `load_site()` the bundled demo office (`default.toml`).
`strings(lang)` returns the UI string catalogue of a language (`strings/<lang>.toml`).
"""

from .errors import ConfigError
from .loader import default_path, load_site, parse_site
from .site import Counter, Service, Site, Terminal
from .strings import strings

__all__ = ["ConfigError", "Counter", "Service", "Site", "Terminal", "default_path", "load_site",
           "parse_site", "strings"]
