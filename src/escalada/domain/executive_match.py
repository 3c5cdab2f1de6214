"""Who answers a customer's executive in a war room: match or exceed their level (pure).

Titles are read as words: "Vice President, Engineering" is a VP, "Генеральный
директор" a CEO. The ranks and their words are the policy's (`war_room.executives`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from escalada.domain.model import ContactLevel, ExecLevel, role_rank
from escalada.domain.policy import Policy, WarRoomPolicy
from escalada.domain.policy.war_room import ExecutiveRank


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who could answer for us: an enabled user with a role and maybe a title."""

    name: str
    role: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutiveChoice:
    """Who gives the executive acknowledgment, and why them."""

    name: str | None
    contact_rank: str | None  # the customer contact's rank by title (ceo, cto, vp)
    how: str  # title | level | fallback | none
    why: str


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return size > 0 and any(words[i:i + size] == phrase for i in range(len(words) - size + 1))


def title_rank(title: str | None, rules: WarRoomPolicy) -> ExecutiveRank | None:
    """The executive rank a title names. The longest matching phrase wins, so that a
    Vice President is a VP and not a President; on a tie, the rank listed first."""
    words = _words(title or "")
    best, longest = None, 0
    for rank in rules.executives:
        for phrase in map(_words, rank.titles):
            if len(phrase) > longest and _contains(words, phrase):
                best, longest = rank, len(phrase)
    return best


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def title_in_language(title: str | None, language: str, rules: WarRoomPolicy) -> str | None:
    """A title as a letter in `language` writes it: as given when in the letter's script;
    else, for an executive title, its rank's first title in that script ("CEO" is
    "Генеральный директор" in Russian); else None (the letter names the role instead)."""
    if title is None or _in_script(title, language):
        return title
    rank = title_rank(title, rules)
    return None if rank is None else next(
        (phrase for phrase in rank.titles if _in_script(phrase, language)), None)


def _in_script(text: str, language: str) -> bool:
    return bool(_CYRILLIC.search(text)) == (language == "ru")


def match_executive(
    contact_title: str | None, contact_level: ContactLevel, level: ExecLevel,
    people: Sequence[Person], policy: Policy,
) -> ExecutiveChoice:
    """Match or exceed the customer's contact: their CEO gets our CEO or President, a
    CTO our CTO, a VP our VP (by title, else by the contact's level); failing that, the
    least senior person whose role answers for the room's level (and the contact's)."""
    rules = policy.war_room
    rank, how = title_rank(contact_title, rules), "title"
    if rank is None:
        rank, how = _rank_by_level(contact_level, rules), "level"
    if rank is not None:
        chosen = _by_title(rank, contact_title or "", people, rules)
        if chosen is not None:
            theirs = contact_title if how == "title" else f"{contact_level.value} contact"
            return ExecutiveChoice(chosen.name, rank.key, how,
                                   f"the customer's {theirs} is answered by our "
                                   f"{chosen.title} ({chosen.name})")
    needed = _fallback_role(contact_level, level, policy)
    contact = (f"no {rank.label} of ours for the customer's {contact_title or contact_level}"
               if rank else
               f"the customer's {contact_title or 'contact'} has no executive title we match")
    senior = [p for p in people if role_rank(p.role) >= role_rank(needed)]
    if not senior:
        return ExecutiveChoice(None, rank.key if rank else None, "none",
                               f"{contact}, and nobody has the role {needed} or above")
    chosen = min(senior, key=lambda p: (role_rank(p.role), _seniority(p, rules), p.name))
    return ExecutiveChoice(chosen.name, rank.key if rank else None, "fallback",
                           f"{contact}: {chosen.name}, {chosen.role} ({needed} or above)")


def _rank_by_level(contact_level: ContactLevel, rules: WarRoomPolicy) -> ExecutiveRank | None:
    key = rules.rank_for_contact.get(contact_level)
    return next((rank for rank in rules.executives if rank.key == key), None)


def _seniority(person: Person, rules: WarRoomPolicy) -> int:
    """0 for no executive title, then higher for ranks listed earlier (the most senior
    first), so that the least senior of equal roles is chosen: a VP before our CTO."""
    rank = title_rank(person.title, rules)
    return 0 if rank is None else len(rules.executives) - rules.executives.index(rank)


def _by_title(
    rank: ExecutiveRank, contact_title: str, people: Sequence[Person], rules: WarRoomPolicy
) -> Person | None:
    """Our executive of the best answering rank; among equals, the title closest to the
    contact's (our VP Engineering for their VP Engineering), then by name."""
    contact = set(_words(contact_title))
    candidates = []
    for person in people:
        ours = title_rank(person.title, rules)
        if ours is not None and ours.key in rank.answering:
            shared = len(contact & set(_words(person.title or "")))
            candidates.append((rank.answering.index(ours.key), -shared, person.name, person))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def _fallback_role(contact_level: ContactLevel, level: ExecLevel, policy: Policy) -> str:
    terms = policy.level(level)
    roles = [terms.role] if terms is not None else []
    by_contact = policy.war_room.fallback_role_for_contact.get(contact_level)
    if by_contact is not None:
        roles.append(by_contact.value)
    return max(roles, key=role_rank) if roles else policy.war_room.ack_stand_in_role.value


