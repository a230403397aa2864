"""The PDF builder: the printed book, laid out by WeasyPrint in parts and joined into one PDF.

Its stages, in the order a build runs them:

- :mod:`~paiban.builders.pdf.html`: the print HTML of each part (the chapter trees
  transformed for print, the templates, the stylesheets);
- :mod:`~paiban.builders.pdf.layout`: one part laid out (glyph check, justification
  from :mod:`~paiban.builders.pdf.justify`, a confined fetcher from
  :mod:`~paiban.builders.pdf.fetch`) and measured (:mod:`~paiban.builders.pdf.pagination`);
- :mod:`~paiban.builders.pdf.parts`: every part, cached and in worker processes, and
  :func:`~paiban.builders.pdf.parts.build_pdf`, the builder's entry point;
- :mod:`~paiban.builders.pdf.merge` and :mod:`~paiban.builders.pdf.fontshare`: the
  parts joined into one PDF with one font program per face;
- :mod:`~paiban.builders.pdf.cover_spread`: the printer's cover spread.

Nothing is imported here, so that the print HTML can be made and tested without
loading the layout engine.
"""
