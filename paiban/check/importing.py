"""Import rules (I): what ``paiban import`` finds in a source that a user must look at.

``check`` cannot find them (they concern the source, which the book folder no longer
holds); they are in the catalogue so that their codes and hints are documented like
every other finding. They are declared in :mod:`paiban.importer.problems`, beside the
importers that report them.
"""

from __future__ import annotations

from paiban.check.registry import found_by_the_importer
from paiban.importer.problems import IMPORT_RULES

for import_rule in IMPORT_RULES:
    found_by_the_importer(import_rule.code, import_rule.severity, import_rule.summary, import_rule.hint)
