"""Service logging: boxoffice's loggers (access lines included) to stderr."""

from __future__ import annotations

import logging
import sys


def configure_service_logging() -> None:
    logger = logging.getLogger("boxoffice")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
        )
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
