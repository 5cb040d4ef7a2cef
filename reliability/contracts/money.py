"""Money: ISO 4217 currencies, their minor units, exact amounts and how they are shown.

Amounts are :class:`~decimal.Decimal`, computed exactly from rationals and rounded once, half
up, to the currency's minor unit (cents for USD and EUR, whole yen for JPY, three decimals for
KWD) as CLDR (through Babel) gives them. JSON carries them as numbers of that precision.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction


@functools.cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def known(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code (upper case, as written in contracts)."""
    return len(code) == 3 and code.isupper() and code in _currencies()


@functools.cache
def minor_units(currency: str) -> int:
    """Decimals of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency)


def amount(value: Fraction | Decimal | int, currency: str) -> Decimal:
    """``value`` (at least 0) rounded half up to the currency's minor unit, from the exact value."""
    scale = 10 ** minor_units(currency)
    units = Fraction(value) * scale
    whole, rest = divmod(units.numerator, units.denominator)
    if 2 * rest >= units.denominator:
        whole += 1
    return (Decimal(whole) / scale).quantize(_quantum(currency))


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def number(value: Decimal | None) -> float | None:
    """An amount as a JSON number (None stays None)."""
    return None if value is None else float(value)


def text(value: Decimal | float | None, currency: str) -> str:
    """``12,000.00 USD`` (``-`` for None): the amount with its code, in every table and report."""
    if value is None:
        return "-"
    places = minor_units(currency)
    return f"{Decimal(str(value)):,.{places}f} {currency}"
