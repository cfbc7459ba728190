"""The columns of the Amazon order report: canonical names, aliases, kinds, the Gestan letter layout."""

from __future__ import annotations

import re
from functools import lru_cache

# Canonical names in the order Amazon writes them; findings sort by sheet position, not by this order.
KNOWN = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "buyer-phone-number", "sku", "product-name", "quantity-purchased", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "recipient-name", "ship-address-1", "ship-address-2",
    "ship-address-3", "ship-city", "ship-state", "ship-postal-code", "ship-country", "ship-phone-number",
    "bill-name", "bill-address-1", "bill-address-2", "bill-address-3", "bill-city", "bill-state",
    "bill-postal-code", "bill-country", "delivery-instructions", "sales-channel", "is-business-order",
    "purchase-order-number", "buyer-company-name", "buyer-tax-registration-id",
    "vat-exclusive-item-price", "vat-exclusive-shipping-price", "item-promotion-discount",
    "ship-promotion-discount", "gift-wrap-price", "gift-wrap-tax", "is-amazon-invoiced",
    # The Amazon Fulfilled Shipments report's own (its other names are aliases: `reports.FBA_ALIASES`).
    "shipment-id", "shipment-item-id", "shipment-date", "fulfillment-center-id", "fulfillment-channel",
)
KNOWN_SET = frozenset(KNOWN)

# How the spec spells a few names in findings (Amazon writes `delivery-Instructions`).
DISPLAY = {"delivery-instructions": "delivery-Instructions"}

ALIASES = {
    "billing-name": "bill-name",
    "buyer-vat-number": "buyer-tax-registration-id",
    "quantity": "quantity-purchased",
    "billing-address-1": "bill-address-1",
    "billing-address-2": "bill-address-2",
    "billing-address-3": "bill-address-3",
    "billing-city": "bill-city",
    "billing-state": "bill-state",
    "billing-postal-code": "bill-postal-code",
    "billing-country": "bill-country",
    "billing-country-code": "bill-country",
    "ship-country-code": "ship-country",
    "buyer-phone": "buyer-phone-number",
    "ship-phone": "ship-phone-number",
}

REQUIRED = (
    "order-id", "sku", "product-name", "quantity-purchased", "item-price", "currency", "purchase-date",
    "recipient-name", "ship-city", "ship-postal-code", "ship-country",
)
# Cells that must hold a value on every row (SPEC §2 E_CHAMP_VIDE; currency and date are required too).
MUST_HAVE_VALUE = REQUIRED

MONEY = (
    "item-price", "item-tax", "shipping-price", "shipping-tax", "vat-exclusive-item-price",
    "vat-exclusive-shipping-price", "item-promotion-discount", "ship-promotion-discount",
    "gift-wrap-price", "gift-wrap-tax",
)
# Amazon writes promotions as negative or positive amounts depending on the report: sign is free there.
# A negative tax is read too, so that the tax sanity check names it (E_TVA_INCOHERENTE, SPEC §7).
SIGNED_MONEY = frozenset({"item-promotion-discount", "ship-promotion-discount", "item-tax", "shipping-tax",
                          "gift-wrap-tax"})
# (price TTC, its tax, its HT, whether the quantity applies): the amount pairs of a row (SPEC §7).
AMOUNT_PAIRS = (("item-price", "item-tax", "vat-exclusive-item-price", True),
                ("shipping-price", "shipping-tax", "vat-exclusive-shipping-price", False),
                ("gift-wrap-price", "gift-wrap-tax", None, False))
DATES = ("purchase-date", "payments-date", "shipment-date")
IDS = ("order-id", "order-item-id")
POSTCODES = ("ship-postal-code", "bill-postal-code")
PHONES = ("buyer-phone-number", "ship-phone-number")
BOOLEANS = ("is-business-order", "is-amazon-invoiced")

# Order-level columns: every row of one order must agree on them (SPEC §1, §7).
ORDER_LEVEL = (
    "purchase-date", "payments-date", "buyer-email", "buyer-name", "buyer-phone-number", "currency",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "ship-phone-number", "bill-name", "bill-address-1",
    "bill-address-2", "bill-address-3", "bill-city", "bill-state", "bill-postal-code", "bill-country",
    "delivery-instructions", "sales-channel", "is-business-order", "purchase-order-number",
    "buyer-company-name", "buyer-tax-registration-id", "is-amazon-invoiced",
)

# Text that ends up in Gestan (its charset is checked on these only, SPEC §7).
WRITTEN_TEXT = (
    "order-id", "buyer-email", "buyer-name", "buyer-phone-number", "sku", "product-name",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-phone-number", "bill-name", "bill-address-1", "bill-address-2",
    "bill-address-3", "bill-city", "bill-state", "bill-postal-code", "delivery-instructions",
    "sales-channel", "purchase-order-number", "buyer-company-name", "buyer-tax-registration-id",
)

# The documented Gestan letter layout (SPEC §1), used when row 1 holds no header.
LETTER_LAYOUT = {
    "A": "order-id", "C": "purchase-date", "D": "payments-date", "F": "buyer-name", "H": "sku",
    "J": "product-name", "K": "quantity-purchased", "L": "currency", "M": "item-price",
    "N": "item-tax", "O": "shipping-price", "P": "shipping-tax", "R": "recipient-name",
    "S": "ship-address-1", "T": "ship-address-2", "V": "ship-city", "W": "ship-state",
    "X": "ship-postal-code", "Y": "ship-country", "Z": "ship-phone-number", "AA": "bill-name",
    "AB": "bill-address-1", "AC": "bill-address-2", "AE": "bill-city", "AF": "bill-state",
    "AG": "bill-postal-code", "AH": "bill-country", "AL": "delivery-instructions",
    "AR": "is-business-order", "AV": "buyer-company-name", "BC": "vat-exclusive-item-price",
    "BD": "vat-exclusive-shipping-price",
}

ORDER_ID_RE = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def normalise_header(text: object) -> str:
    """Trim, drop NBSP, casefold and `_`→`-` (SPEC §7)."""
    if text is None:
        return ""
    s = str(text).replace("\u00a0", " ").replace("\ufeff", "").strip().casefold().replace("_", "-")
    return " ".join(s.split())


def canonical(text: object) -> str | None:
    """The canonical column name for a header cell, or None when unknown."""
    name = normalise_header(text)
    if name in KNOWN_SET:
        return name
    return ALIASES.get(name)


def display(name: str) -> str:
    return DISPLAY.get(name, name)


@lru_cache(maxsize=1024)
def letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def index_of(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
