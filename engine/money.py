"""Money and percentage formatting shared by the headline, reasons and chart."""

from __future__ import annotations

SYMBOLS = {"USD": "$", "GBP": "£", "INR": "₹", "AED": "AED "}
LAKH = 100_000
CRORE = 10_000_000


def one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def compact_money(amount: float, currency: str) -> str:
    """Short amount for headlines and axis labels: $41k, £9.5k, ₹3.2L, ₹1.1Cr, AED 45k."""
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


def percent(share: float) -> str:
    return f"{one_decimal(share * 100)}%"
