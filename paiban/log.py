"""Logging policy of paiban (after WeasyPrint's ``logger.py``).

- **error**: the book cannot be built as asked. Errors are raised as
  :class:`paiban.errors.BookError`, never only logged, so no output is written.
- **warning**: an output is written but something in it is likely not what the
  author meant (an unknown metadata field, a TOC entry with no text yet, a style that
  WeasyPrint ignored). Each is a :class:`paiban.errors.Diagnostic` with a rule code:
  the reader's are in the model and ``check`` reports them; a build's own are logged
  with :func:`warn`, which the command line silences (``check: ignore``) and counts
  (``--strict``) like check's. Tests fail on any warning they do not expect.
- **info**: progress and measured facts (pages laid out, files written, timings).

WeasyPrint's own warnings (``weasyprint`` logger) are forwarded as paiban warnings,
because an ignored CSS rule changes the printed page.
"""

from __future__ import annotations

import logging

from paiban.errors import Diagnostic

LOGGER = logging.getLogger("paiban")


def warn(diagnostic: Diagnostic) -> None:
    """Log a build's warning as its diagnostic (the record carries it as ``record.diagnostic``)."""
    LOGGER.warning("%s", diagnostic.plain(), extra={"diagnostic": diagnostic})


def setup_console(verbosity: int) -> None:
    """Send paiban's and WeasyPrint's records to stderr at the chosen verbosity.

    ``verbosity`` is -1 (quiet: errors only), 0 (warnings) or 1 (info).
    """
    level = {-1: logging.ERROR, 0: logging.WARNING}.get(verbosity, logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    for name, floor in (("paiban", level), ("weasyprint", max(level, logging.WARNING))):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(floor)
        logger.propagate = False
    # WeasyPrint's step-by-step progress is not ours to print.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
