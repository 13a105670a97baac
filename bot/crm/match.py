"""Which helpdesk organization is which CRM company: by domain first, then by normalized name. Pure.

A domain matches exactly or as a subdomain of the company's (`eu.acme.com` → `acme.com`). A name matches
after `normalize_name`: casefolded, accents and punctuation gone, `&` as `and`, and trailing legal suffixes
(Inc, Ltd, GmbH, LLC, …) dropped, so "ACME, Inc." is "Acme". A domain or name that two companies share is
ambiguous and matches neither: better unmatched (and listed) than the wrong account's value.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "ltd", "limited", "llc", "llp", "lp", "plc",
    "gmbh", "mbh", "ag", "kg", "ug", "se", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "aps",
    "pty", "pte", "kk", "sl", "slu",
})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_DOMAIN = re.compile(r"^(?=.{3,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True, slots=True)
class Organization:
    key: str  # what tickets carry: the vendor's id, or the name (CSV)
    name: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompanyRef:
    crm_id: str
    name: str
    domain: str | None


@dataclass(frozen=True, slots=True)
class Match:
    organization: str
    organization_name: str
    crm_id: str
    method: str  # "domain" | "name"


@dataclass(frozen=True, slots=True)
class Matching:
    matches: tuple[Match, ...]
    unmatched_organizations: tuple[Organization, ...]
    unmatched_companies: tuple[CompanyRef, ...]


def normalize_name(name: str | None) -> str:
    """ "ACME, Inc." → "acme"; "Müller & Söhne GmbH" → "muller and sohne"."""
    text = unicodedata.normalize("NFKD", (name or "").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("&", " and ")
    words = [w for w in _NOT_WORD.split(text.replace(".", "")) if w]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def normalize_domain(value: str | None) -> str | None:
    """A bare lowercase host from a domain, host or URL ("https://www.Acme.com/about" → "acme.com"), else None."""
    text = (value or "").strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    text = text.split("@")[-1].removeprefix("www.").rstrip(".")
    return text if _DOMAIN.match(text) else None


def _parents(domain: str) -> Iterable[str]:
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        yield ".".join(labels[start:])


def _unique(index: dict[str, set[str]]) -> dict[str, str]:
    return {key: next(iter(ids)) for key, ids in index.items() if len(ids) == 1}


def match(organizations: Sequence[Organization], companies: Sequence[CompanyRef]) -> Matching:
    by_domain: dict[str, set[str]] = defaultdict(set)
    by_name: dict[str, set[str]] = defaultdict(set)
    for company in companies:
        if domain := normalize_domain(company.domain):
            by_domain[domain].add(company.crm_id)
        if name := normalize_name(company.name):
            by_name[name].add(company.crm_id)
    domains, names = _unique(by_domain), _unique(by_name)
    matches, unmatched = [], []
    for org in organizations:
        found = _by_domain(org, domains)
        method = "domain"
        if found is None:
            found, method = names.get(normalize_name(org.name)), "name"
        if found is None:
            unmatched.append(org)
        else:
            matches.append(Match(org.key, org.name, found, method))
    used = {m.crm_id for m in matches}
    return Matching(tuple(matches), tuple(unmatched), tuple(c for c in companies if c.crm_id not in used))


def _by_domain(org: Organization, domains: dict[str, str]) -> str | None:
    # A CSV organization is only a name; one written as a domain ("acme.com") is matched as one.
    candidates = [normalize_domain(d) for d in (*org.domains, org.name)]
    for domain in filter(None, candidates):
        for parent in _parents(domain):
            if parent in domains:
                return domains[parent]
    return None
