"""The REST service: a thin Falcon layer over the Boxoffice facade."""

from boxoffice.entrypoints.http.app import create_app

__all__ = ["create_app"]
