"""Money as text: an amount in US dollars as its reader writes it (Babel's currency
format for the locale; "$1,234.50" in en_US, the default)."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency


def usd(amount: Decimal | int, locale: Locale | str = "en_US") -> str:
    """E.g. "$1,234.50" (en_US) or "1 234,50 $" (ru), rounded half to even to cents."""
    return str(format_currency(amount, "USD", locale=locale))
