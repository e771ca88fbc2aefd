"""Role checks, in one place."""

from __future__ import annotations

from boxoffice.domain.errors import Forbidden
from boxoffice.domain.model import Actor, Role


def require_role(actor: Actor, role: Role, action: str) -> None:
    if not isinstance(actor, Actor) or actor.role is not role:
        raise Forbidden(f"only a {role} may {action}")
