"""Money and percentage formatting shared by the headline, reasons and chart."""

from __future__ import annotations

SYMBOLS = {"USD": "$", "GBP": "£", "INR": "₹", "AED": "AED "}
LAKH = 100_000
CRORE = 10_000_000


def one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def significant(amount: float, digits: int = 2) -> float:
    """amount rounded to a number of significant figures (125,400 -> 130,000)."""
    if amount == 0:
        return 0.0
    magnitude = len(str(int(abs(amount)))) if abs(amount) >= 1 else 1
    return float(round(amount, digits - magnitude))


def compact_money(amount: float, currency: str) -> str:
    """Short amount, to two significant figures: $41k, £9.5k, ₹3.2L, ₹1.1Cr, AED 45k."""
    amount = significant(amount)
    sign = "-" if round(amount) < 0 else ""
    size = abs(amount)
    prefix = SYMBOLS.get(currency, currency + " ")
    if currency == "INR" and size >= CRORE:
        body = one_decimal(size / CRORE) + "Cr"
    elif currency == "INR" and size >= LAKH:
        body = one_decimal(size / LAKH) + "L"
    elif size >= 1_000_000:
        body = one_decimal(size / 1_000_000) + "M"
    elif size >= 10_000:
        body = f"{round(size / 1000)}k"
    elif size >= 1000:
        body = one_decimal(size / 1000) + "k"
    else:
        body = str(round(size))
    return f"{sign}{prefix}{body}"


def full_money(amount: float, currency: str) -> str:
    """Whole units with thousands separators: $41,200."""
    sign = "-" if round(amount) < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{abs(round(amount)):,}"


def signed_money(amount: float, currency: str) -> str:
    """A gain for prose: +$8.2k, -£1.5k, or $0."""
    text = compact_money(amount, currency)
    return text if text.startswith("-") or round(significant(amount)) == 0 else "+" + text


def money_range(low: float, high: float, currency: str) -> str:
    """A likely range for prose: +$8k to +$19k."""
    return f"{signed_money(low, currency)} to {signed_money(high, currency)}"


def percent(share: float) -> str:
    """A share as a percentage to two significant figures: 1.9%, 80%."""
    return f"{one_decimal(significant(share * 100))}%"
