"""One dict setting per package, read through one accessor (django-oauth-toolkit's `oauth2_settings` is the model).

A package declares its defaults once, in its conf.py, and builds its accessor from them:

    conf = SettingsNamespace("GPT_CALL_LOG", DEFAULTS, app_label="gptcalllog")

A project sets only what differs (`GPT_CALL_LOG = {"CALL_LOG_DAYS": 7}`) and `conf.CALL_LOG_DAYS` is that value
or its default. Values are cached, and the cache is dropped on Django's `setting_changed`, so
`override_settings(GPT_CALL_LOG={...})` and pytest-django's `settings` fixture take effect at once (assign a new
dict: changing the one in place sends no signal). `check()` is the part of the package's system check that any
namespace needs: the setting is a dict (`<app>.E100`), it names only known keys (`E101`, usually a typo) and each
value has its default's type (`E102`); the package's checks.py adds the rules about values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.signals import setting_changed

NOT_A_DICT = "E100"
UNKNOWN_KEY = "E101"
WRONG_TYPE = "E102"


def _types_of(default: Any) -> tuple[type, ...]:
    """The types a value may have, read off its default: a float default takes an int too, a list a tuple."""
    if isinstance(default, float):
        return (int, float)
    if isinstance(default, (list, tuple)):
        return (list, tuple)
    return (type(default),)


def _describe(types: tuple[type, ...]) -> str:
    words = {
        bool: "True or False",
        int: "a whole number",
        float: "a number",
        str: "a string",
        list: "a list",
        tuple: "a list",
        type(None): "None",
    }
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(dict.fromkeys(words.get(kind, kind.__name__) for kind in types))


class SettingsNamespace:
    """`conf.NAME` reads `settings.<setting_name>["NAME"]`, else `defaults["NAME"]`.

    Subclasses add properties for values the code wants in another shape (`API_KEY_HEADER_META`) or normalised
    (`API_FAILED_AUTH_RATE`'s "off"); they read the raw value with `self.value(name)`. Pass `types` only where
    the default's type says too little (a default of None).
    """

    def __init__(
        self,
        setting_name: str,
        defaults: Mapping[str, Any],
        *,
        app_label: str,
        types: Mapping[str, tuple[type, ...]] | None = None,
    ) -> None:
        self.setting_name = setting_name
        self.defaults = dict(defaults)
        self.app_label = app_label
        self.types = {name: _types_of(default) for name, default in self.defaults.items()} | dict(types or {})
        self._values: dict[str, Any] | None = None
        self._cached: set[str] = set()
        setting_changed.connect(self._on_setting_changed, weak=False, dispatch_uid=f"{__name__}:{setting_name}")

    @property
    def user_settings(self) -> Any:
        """The project's dict as set (possibly not a dict at all: `check()` says so)."""
        return getattr(settings, self.setting_name, {})

    def value(self, name: str) -> Any:
        """The raw value of one key: the project's, else the default. A value of the wrong type is returned as set
        (the system check reports it); a setting that is not a dict counts as empty."""
        values = self._values
        if values is None:
            given = self.user_settings
            values = dict(self.defaults)
            if isinstance(given, Mapping):
                values.update((key, given[key]) for key in given if key in self.defaults)
            self._values = values
        return values[name]

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not properties or attributes; never for the ones __init__ sets.
        defaults = self.__dict__.get("defaults")
        if defaults is None or name not in defaults:
            raise AttributeError(f"{type(self).__name__} has no setting {name!r} (see {self.setting_name}).")
        value = self.value(name)
        # Kept as an attribute, as DOT's oauth2_settings does: the next read is a plain attribute lookup
        # (the hot path reads about ten settings per request); reload() forgets them.
        self.__dict__[name] = value
        self._cached.add(name)
        return value

    def reload(self) -> None:
        self._values = None
        for name in self._cached:
            self.__dict__.pop(name, None)
        self._cached.clear()

    def _on_setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        if setting == self.setting_name:
            self.reload()

    def label(self, name: str) -> str:
        """How messages name a key: `GPT_CALL_LOG["CALL_LOG_DAYS"]`."""
        return f'{self.setting_name}["{name}"]'

    def is_well_typed(self, name: str) -> bool:
        """Whether the value has a type the code can use; the value checks of checks.py look at no other."""
        value = self.value(name)
        types = self.types[name]
        if isinstance(value, bool) and bool not in types:
            return False  # True is an int to isinstance(), not a number of seconds
        return isinstance(value, types)

    def check(self) -> list[CheckMessage]:
        """Errors `<app_label>.E100` (not a dict), `E101` (unknown key) and `E102` (wrong type)."""
        given = self.user_settings
        if not isinstance(given, Mapping):
            return [
                Error(
                    f"{self.setting_name} is {type(given).__name__}, not a dict.",
                    hint=f"Set {self.setting_name} to a dict of the keys to change, e.g. {{}} for all the defaults.",
                    id=f"{self.app_label}.{NOT_A_DICT}",
                )
            ]
        errors: list[CheckMessage] = []
        unknown = [str(key) for key in given if key not in self.defaults]
        if unknown:
            errors.append(
                Error(
                    f"{self.setting_name} has unknown key(s): {', '.join(sorted(unknown))}.",
                    hint=f"Use only {', '.join(self.defaults)}.",
                    id=f"{self.app_label}.{UNKNOWN_KEY}",
                )
            )
        for name in self.defaults:
            if name in given and not self.is_well_typed(name):
                errors.append(
                    Error(
                        f"{self.label(name)} is {given[name]!r}, of type {type(given[name]).__name__}.",
                        hint=f"Use {_describe(self.types[name])} (the default is {self.defaults[name]!r}).",
                        id=f"{self.app_label}.{WRONG_TYPE}",
                    )
                )
        return errors
