#!/usr/bin/env python3
"""Build the book: ``python build.py [epub|pdf|check] [--manuscript DIR] [--out DIR]``.

Same as the ``paiban`` command; see ``python build.py --help``.
"""

import sys

from paiban.cli import main

if __name__ == "__main__":
    sys.exit(main())
