"""The accessor every package's settings go through (gptactions.settings_namespace), on a namespace of its own."""

from __future__ import annotations

import pytest
from django.test import override_settings

from gptactions.settings_namespace import SettingsNamespace

DEFAULTS = {"RATE": "5/min", "SECONDS": 1.0, "COUNT": 3, "ON": True, "NAMES": ["a"], "PATH": None}
demo = SettingsNamespace("DEMO_NAMESPACE", DEFAULTS, app_label="demo", types={"PATH": (str, type(None))})


def ids() -> list[str]:
    return [message.id for message in demo.check()]


class SettingsNamespaceTests:
    def test_unset_gives_every_default(self):
        assert {name: getattr(demo, name) for name in DEFAULTS} == DEFAULTS
        assert ids() == []

    def test_a_key_set_replaces_its_default_only(self):
        with override_settings(DEMO_NAMESPACE={"COUNT": 7}):
            assert (demo.COUNT, demo.RATE) == (7, "5/min")

    def test_the_cache_is_dropped_when_the_setting_changes_and_when_it_is_restored(self):
        assert demo.COUNT == 3  # cached
        with override_settings(DEMO_NAMESPACE={"COUNT": 7}):
            assert demo.COUNT == 7
            with override_settings(DEMO_NAMESPACE={"COUNT": 8}):
                assert demo.COUNT == 8
            assert demo.COUNT == 7
        assert demo.COUNT == 3

    def test_the_settings_fixture_reloads_it_too(self, settings):
        settings.DEMO_NAMESPACE = {"ON": False}
        assert demo.ON is False

    def test_another_setting_changing_keeps_the_cache(self, settings):
        with override_settings(DEMO_NAMESPACE={"COUNT": 7}):
            demo.value("COUNT")
            cached = demo._values
            settings.SOMETHING_ELSE = 1
            assert demo._values is cached

    def test_a_name_that_is_not_a_setting_is_an_attribute_error(self):
        with pytest.raises(AttributeError, match="no setting 'COUNTS'"):
            demo.COUNTS

    def test_not_a_dict_is_e100_and_reads_as_the_defaults(self):
        with override_settings(DEMO_NAMESPACE=["COUNT", 7]):
            assert ids() == ["demo.E100"]
            assert demo.COUNT == 3

    def test_unknown_keys_are_e101_in_one_error_naming_them(self):
        with override_settings(DEMO_NAMESPACE={"COUNTS": 7, "RAT": "1/s", "COUNT": 7}):
            [error] = demo.check()
            assert (error.id, error.msg) == ("demo.E101", "DEMO_NAMESPACE has unknown key(s): COUNTS, RAT.")
            assert "COUNT" in error.hint
            assert demo.COUNT == 7

    @pytest.mark.parametrize(
        ("name", "value", "hint"),
        [
            ("RATE", 5, "a string"),
            ("SECONDS", "1", "a number"),
            ("SECONDS", True, "a number"),
            ("COUNT", 2.5, "a whole number"),
            ("COUNT", False, "a whole number"),
            ("ON", "off", "True or False"),
            ("NAMES", "a,b", "a list"),
            ("PATH", 1, "a string or None"),
        ],
    )
    def test_a_value_of_the_wrong_type_is_e102(self, name, value, hint):
        with override_settings(DEMO_NAMESPACE={name: value}):
            [error] = demo.check()
            assert error.id == "demo.E102"
            assert error.msg.startswith(f'DEMO_NAMESPACE["{name}"] is {value!r}')
            assert error.hint.startswith(f"Use {hint} ")
            assert not demo.is_well_typed(name)

    @pytest.mark.parametrize(("name", "value"), [("SECONDS", 2), ("NAMES", ("a", "b")), ("PATH", "/bin/x")])
    def test_values_of_a_related_type_are_fine(self, name, value):
        with override_settings(DEMO_NAMESPACE={name: value}):
            assert ids() == []
