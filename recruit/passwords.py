"""Password hashing with argon2id, and the password policy."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn's guess estimate: 3 means "safely unguessable" against an offline attack on a slow hash.
MIN_STRENGTH = 3
ZXCVBN_MAX_INPUT = 72
# Words anyone attacking this service tries first, and how many letters must remain without them.
CONTEXT_WORDS = (
    "midlands",
    "engine",
    "midlandsengine",
    "recruit",
    "recruitment",
    "recruiter",
    "password",
    "candidate",
    "applicant",
    "application",
    "vacancy",
    "vacancies",
    "executive",
    "portal",
)
MIN_OWN_LETTERS = 6
# The service's own name: a password holding it is refused outright, however long (ASVS 6.2.11).
# "recruit" covers recruiter and recruitment; "engine" spares engineer and engineering.
PRODUCT_WORDS = re.compile(r"midlands|engine(?!er)|recruit")
# Digits and symbols typed for letters ("m1dl4nds"), undone before looking for those words.
LOOKALIKES = str.maketrans("0134579@$!|", "oieastgasil")

# OWASP's floor for argon2id; configuration may raise these, never lower them.
MIN_TIME_COST = 2
MIN_MEMORY_KIB = 19 * 1024

# How many argon2 hashes and verifications this process has run, by kind. Tests compare the
# counts for known and unknown emails: the password work must not tell them apart.
WORK: Counter[str] = Counter()


def hasher() -> PasswordHasher:
    """The argon2id hasher built from this app's configuration."""
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"], cfg["ARGON2_PARALLELISM"])
    cached: tuple[tuple[int, int, int], PasswordHasher] | None = current_app.extensions.get(
        "recruit.hasher"
    )
    if cached is None or cached[0] != key:
        ph = PasswordHasher(
            time_cost=max(int(key[0]), MIN_TIME_COST),
            memory_cost=max(int(key[1]), MIN_MEMORY_KIB),
            parallelism=max(int(key[2]), 1),
            type=Type.ID,
        )
        cached = (key, ph)
        current_app.extensions["recruit.hasher"] = cached
    return cached[1]


def hash_password(password: str) -> str:
    """Hash a password with the configured argon2id parameters."""
    WORK["hash"] += 1
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches `password_hash`."""
    WORK["verify"] += 1
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return hasher().check_needs_rehash(password_hash)


def burn_password_work(password: str) -> None:
    """Spend the same effort as a real check, so unknown emails take as long as known ones."""
    cached: str | None = current_app.extensions.get("recruit.dummy_hash")
    if cached is None or needs_rehash(cached):
        cached = hash_password("not-a-real-password-but-same-work")
        current_app.extensions["recruit.dummy_hash"] = cached
    verify_password(cached, password)


def _unpredictable_letters(lowered: str, hints: list[str]) -> str:
    """The letters left once the words an attacker would try first are taken out."""
    for word in sorted((h.lower() for h in hints if len(h) >= 3), key=len, reverse=True):
        lowered = lowered.replace(word, "")
    return "".join(ch for ch in lowered if ch.isalpha())


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from public breaches, shipped offline with zxcvbn."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True for a listed password, including one padded with digits or symbols."""
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()-_=+.?~ ")
    return lowered in common_passwords() or (len(core) >= 4 and core in common_passwords())


def names_the_service(password: str) -> bool:
    """True if the password holds the service's own name, even with look-alike characters."""
    return PRODUCT_WORDS.search(password.lower().translate(LOOKALIKES)) is not None


def email_words(email: str) -> list[str]:
    """An address's local part, with and without its +tag: alice+jobs@ gives both and alice."""
    # Sub-addressing: mail for alice+jobs@ reaches alice, so "alice" is as guessable as the rest.
    local_part = email.split("@", 1)[0].lower()
    return sorted({local_part, local_part.split("+", 1)[0]} - {""})


def password_problem(password: str, full_name: str = "", email: str = "") -> str | None:
    """Why a new password is not acceptable, or None if it is."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    own_words = email_words(email)
    if any(len(word) >= 4 and word in lowered for word in own_words):
        return "Password must not contain your email address"
    name_parts = [p for p in full_name.lower().split() if len(p) >= 4]
    if any(part in lowered for part in name_parts):
        return "Password must not contain your name"
    if names_the_service(password):
        return "Password must not contain the name of this service, such as Midlands or recruit"
    if is_common(password):
        return "Password is too common. Use a phrase of three or four unrelated words"
    hints = [*full_name.split(), email, *own_words, *CONTEXT_WORDS]
    if len(_unpredictable_letters(lowered, hints)) < MIN_OWN_LETTERS or (
        zxcvbn(password[:ZXCVBN_MAX_INPUT], user_inputs=hints)["score"] < MIN_STRENGTH
    ):
        return "Password is too easy to guess. Use a phrase of three or four unrelated words"
    return None
