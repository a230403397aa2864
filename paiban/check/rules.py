"""The rules of ``check``, registered by family: importing this module registers them all.

See :mod:`paiban.check.registry` for the contract a rule keeps.
"""

from __future__ import annotations

import paiban.check.build  # noqa: F401  each family registers its rules when imported
import paiban.check.elements  # noqa: F401
import paiban.check.importing  # noqa: F401
import paiban.check.metadata  # noqa: F401
import paiban.check.outputs  # noqa: F401
import paiban.check.references  # noqa: F401
import paiban.check.structure  # noqa: F401
import paiban.check.text  # noqa: F401
