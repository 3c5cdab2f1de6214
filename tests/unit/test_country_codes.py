"""A calendar's country is checked against the `holidays` package's registry, read without
importing the package (its import builds every calendar it has)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from holidays.registry import EntityLoader

from escalada.domain.business_calendar import CalendarSpec, _registry_codes


def test_the_registry_read_from_its_source_is_the_package_s_own_list() -> None:
    assert _registry_codes() == frozenset(EntityLoader.get_country_codes())
    assert {"RU", "US", "GB", "UK", "RUS"} <= _registry_codes()


def test_checking_a_country_imports_no_holidays() -> None:
    code = ("import sys\nfrom escalada.domain.business_calendar import check_country\n"
            "assert check_country('RU') == 'RU'\nassert 'holidays' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_an_unknown_country_or_subdivision_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'XX' is not a country with known public holidays"):
        CalendarSpec.weekly(timezone="UTC", country="XX")
    with pytest.raises(ValueError, match="'ZZ' is not one of RU's"):
        CalendarSpec.weekly(timezone="Europe/Moscow", country="RU", subdivision="ZZ")
