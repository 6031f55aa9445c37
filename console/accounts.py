"""Staff accounts: roles, scrypt password hashes, one-time passwords; and the command that manages them.

    python -m console.accounts add --role staff|clinician|admin EMAIL   # prints a one-time password
    python -m console.accounts list
    python -m console.accounts disable EMAIL
    python -m console.accounts enable EMAIL                             # a disabled account signs in again
    python -m console.accounts reset EMAIL                              # a new one-time password

(`make staff ARGS="add --role clinician name@clinic"` runs the same.) The Accounts page of the
console calls the same functions. A one-time password must be replaced at the first sign-in.
"""
from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import hmac
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

import sqlalchemy as sa

from console import audit
from console.db import as_utc, create_all, engine, metadata, utcnow
from console.settings import Settings

ROLES = ("staff", "clinician", "admin")  # each role may do everything the ones before it may
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # scrypt reads the whole password: no megabyte "passwords"
# scrypt at n=2**14, r=8, p=1 (16 MiB, ~50 ms): the parameters are stored with each hash,
# so raising them later keeps old hashes verifiable.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no l/1, o/0: read off a screen or a phone
# Local part @ domain: "name@clinic" (an internal domain) is as valid as "name@clinic.example".
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                           r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")

users_table = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=True),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Sessions started before this moment are no longer valid (a reset or a change ends them).
    sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
)


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is meant for the person asking."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    must_change_password: bool
    disabled: bool
    created_at: datetime
    password_changed_at: datetime

    def has_role(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)


def role_rank(role: str) -> int:
    return ROLES.index(role)


# ------------------------------------------------------------------ passwords
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_dummy(password: str) -> None:
    """Verifying against a throwaway hash when the account does not exist keeps the reply time
    the same, so the sign-in form does not reveal which addresses have accounts."""
    verify_password(password, _dummy_hash())


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = KEY_BYTES) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=2 * 128 * r * n + 1024 * 1024, dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def new_one_time_password() -> str:
    groups = ("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)  # 16 letters from 31: about 79 bits


def password_problem(password: str, confirmation: str, email: str) -> Optional[str]:
    """Why a new password is not acceptable, or None."""
    if password != confirmation:
        return "The two new passwords are not the same."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters (a few words work well)."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    if password.strip().lower() == email.lower():
        return "The password cannot be your email address."
    return None


# ------------------------------------------------------------------ accounts
def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise AccountError(f"{email or '(empty)'!r} is not an email address (expected name@clinic.example).")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    return role


def add_account(settings: Settings, email: str, role: str, by: str) -> str:
    """Create the account; returns its one-time password (shown once, never stored in clear)."""
    email, role = normalise_email(email), check_role(role)
    one_time = new_one_time_password()
    now = utcnow()
    try:
        with engine(settings).begin() as conn:
            conn.execute(users_table.insert().values(
                email=email, role=role, password_hash=hash_password(one_time), must_change_password=True,
                disabled=False, created_at=now, password_changed_at=now))
    except sa.exc.IntegrityError:
        raise AccountError(f"There is already an account for {email}.") from None
    audit.record(settings, by, "account added", f"{email} ({role})")
    return one_time


def reset_account(settings: Settings, email: str, by: str) -> str:
    """A new one-time password; the old password and every session of the account stop working.
    A disabled account stays disabled: re-enabling is its own, explicit step (enable_account)."""
    email = normalise_email(email)
    one_time = new_one_time_password()
    _update(settings, email, password_hash=hash_password(one_time), must_change_password=True,
            password_changed_at=utcnow())
    audit.record(settings, by, "password reset", email)
    return one_time


def disable_account(settings: Settings, email: str, by: str) -> None:
    """The account can no longer sign in; its open sessions end at their next request."""
    email = normalise_email(email)
    _update(settings, email, disabled=True, password_changed_at=utcnow())
    audit.record(settings, by, "account disabled", email)


def enable_account(settings: Settings, email: str, by: str) -> None:
    """A disabled account may sign in again, with the password it has (reset it for a new one)."""
    email = normalise_email(email)
    _update(settings, email, disabled=False)
    audit.record(settings, by, "account enabled", email)


def set_password(settings: Settings, email: str, password: str) -> None:
    """The user's own choice of password (length checked by the caller with password_problem)."""
    _update(settings, normalise_email(email), password_hash=hash_password(password),
            must_change_password=False, password_changed_at=utcnow())


def _update(settings: Settings, email: str, **values) -> None:
    with engine(settings).begin() as conn:
        result = conn.execute(users_table.update().where(users_table.c.email == email).values(**values))
    if result.rowcount != 1:
        raise AccountError(f"There is no account for {email}.")


def is_disabled(settings: Settings, email: str) -> bool:
    """Whether the account of this address is disabled (False when there is none)."""
    with engine(settings).connect() as conn:
        return bool(conn.execute(sa.select(users_table.c.disabled)
                                 .where(users_table.c.email == normalise_email(email))).scalar())


def list_accounts(settings: Settings) -> List[User]:
    with engine(settings).connect() as conn:
        rows = conn.execute(sa.select(users_table).order_by(users_table.c.email)).mappings()
        return [_to_user(row) for row in rows]


def get_user(settings: Settings, user_id: int) -> Optional[User]:
    with engine(settings).connect() as conn:
        row = conn.execute(sa.select(users_table).where(users_table.c.id == user_id)).mappings().first()
    return _to_user(row) if row else None


def check_credentials(settings: Settings, email: str, password: str) -> Optional[User]:
    """The active account these credentials belong to, or None (same time taken either way)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    try:
        email = normalise_email(email)
    except AccountError:
        verify_dummy(password)
        return None
    with engine(settings).connect() as conn:
        row = conn.execute(sa.select(users_table).where(users_table.c.email == email)).mappings().first()
    if row is None:
        verify_dummy(password)
        return None
    if not verify_password(password, row["password_hash"]) or row["disabled"]:
        return None
    return _to_user(row)


def _to_user(row) -> User:
    return User(id=row["id"], email=row["email"], role=row["role"],
                must_change_password=bool(row["must_change_password"]), disabled=bool(row["disabled"]),
                created_at=as_utc(row["created_at"]), password_changed_at=as_utc(row["password_changed_at"]))


# ------------------------------------------------------------------ command line
CLI_ACTOR = "command line"


def main(argv: Optional[List[str]] = None, settings: Optional[Settings] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console.accounts", description="Staff console accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account and print its one-time password")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("email")
    commands.add_parser("list", help="all accounts")
    commands.add_parser("disable", help="stop an account from signing in").add_argument("email")
    commands.add_parser("enable", help="let a disabled account sign in again").add_argument("email")
    commands.add_parser("reset", help="a new one-time password").add_argument("email")
    args = parser.parse_args(argv)

    settings = settings or Settings.from_env()
    create_all(settings)
    try:
        if args.command == "add":
            one_time = add_account(settings, args.email, args.role, by=CLI_ACTOR)
            print(f"{normalise_email(args.email)} ({args.role}) added. One-time password: {one_time}")
            print("It must be replaced at the first sign-in.")
        elif args.command == "reset":
            one_time = reset_account(settings, args.email, by=CLI_ACTOR)
            print(f"{normalise_email(args.email)}: new one-time password: {one_time}")
            if is_disabled(settings, args.email):
                print("The account is still disabled: `enable` it to let it sign in.")
        elif args.command == "disable":
            disable_account(settings, args.email, by=CLI_ACTOR)
            print(f"{normalise_email(args.email)} disabled")
        elif args.command == "enable":
            enable_account(settings, args.email, by=CLI_ACTOR)
            print(f"{normalise_email(args.email)} enabled")
        else:
            users = list_accounts(settings)
            for user in users:
                print(f"{user.email:<40} {user.role:<10} {account_state(user):<20} "
                      f"created {user.created_at:%Y-%m-%d}")
            print(f"{len(users)} account(s)")
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def account_state(user: User) -> str:
    if user.disabled:
        return "disabled"
    return "one-time password" if user.must_change_password else "active"


if __name__ == "__main__":
    sys.exit(main())
