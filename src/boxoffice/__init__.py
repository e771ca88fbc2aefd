"""boxoffice: sell cinema tickets without ever selling a seat twice.

import boxoffice
app = boxoffice.bootstrap()
"""

from boxoffice.bootstrap import bootstrap
from boxoffice.domain.model import Actor, Booking, BookingStatus, Movie, Role, Show, User
from boxoffice.domain.paging import Page
from boxoffice.domain.service import Boxoffice

__all__ = [
    "Actor",
    "Booking",
    "BookingStatus",
    "Boxoffice",
    "Movie",
    "Page",
    "Role",
    "Show",
    "User",
    "bootstrap",
]
