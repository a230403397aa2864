"""Build rules (B): problems only a build meets, while laying the book out or joining its parts.

``check`` cannot find them (they need the layout); they are in the catalogue so that
their codes, hints and the means to silence them are the same as for every other
finding. They are declared in :mod:`paiban.builders.problems`, beside the builders
that report them.
"""

from __future__ import annotations

from paiban.builders.problems import BUILD_RULES
from paiban.check.registry import made_by_the_build

for build_rule in BUILD_RULES:
    made_by_the_build(build_rule.code, build_rule.severity, build_rule.summary, build_rule.hint)
