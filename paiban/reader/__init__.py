"""The reader: a book folder in, one immutable :class:`~paiban.model.Book` out.

- :mod:`~paiban.reader.sources`: what a build may read (UTF-8 files inside the folder);
- :mod:`~paiban.reader.metadata`: ``book.yaml`` with line numbers, against the schema;
- :mod:`~paiban.reader.markdown`: chapter Markdown with paiban's and Pandoc's syntax;
- :mod:`~paiban.reader.sanitize`: raw HTML cleaned before it can reach an output;
- :mod:`~paiban.reader.limits`: input too large or too deep refused at its line;
- :mod:`~paiban.reader.book`: the whole folder read into the model.
"""

from paiban.reader.book import read_book

__all__ = ["read_book"]
