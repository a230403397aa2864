"""The rules of ``check``, registered by family: importing this module registers them all.

See :mod:`paiban.check` for the contract a rule keeps.
"""

from __future__ import annotations

from . import metadata, outputs, references, structure, text

FAMILY_MODULES = (metadata, structure, text, references, outputs)
