"""Keys used to find an existing partner for an external customer.

Order of the keys (see readme/USAGE.md): the binding of the sending system,
then the normalised VAT number, then the e-mail domain together with the
normalised company name. A free-mail domain (gmail.com...) is never a key.
"""

import re
import unicodedata

__all__ = [
    "FREE_MAIL_DOMAINS",
    "LEGAL_FORMS",
    "email_domain",
    "name_key",
    "normalize_name",
    "normalize_vat",
]

FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.com",
        "me.com",
        "msn.com",
        "orange.fr",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "t-online.de",
        "web.de",
        "yahoo.com",
        "yahoo.fr",
    }
)

# Legal forms dropped from names before comparing them ("ACME GmbH" = "Acme").
LEGAL_FORMS = frozenset(
    {
        "ab",
        "ag",
        "as",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "limited",
        "llc",
        "llp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pty",
        "sa",
        "sarl",
        "sas",
        "se",
        "spa",
        "srl",
        "ug",
    }
)

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def normalize_vat(vat):
    """'de 123 456-789' -> 'DE123456789'; empty -> None."""
    if not vat:
        return None
    key = _NON_ALNUM.sub("", vat).upper()
    return key or None


def email_domain(email):
    """Domain of an e-mail address, or None for free-mail and bad addresses."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or "." not in domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


def normalize_name(name):
    """Lower case, no accents, no punctuation, no legal form."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ")
    words = [w for w in _NON_ALNUM.sub(" ", text).split() if w not in LEGAL_FORMS]
    return " ".join(words)


def name_key(email, name):
    """(domain, normalised name) or None when either part is missing."""
    domain = email_domain(email)
    normalized = normalize_name(name)
    if not domain or not normalized:
        return None
    return domain, normalized
