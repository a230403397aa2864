"""Transforms: the named steps a builder applies, in order, to its own copy of a chapter tree.

The reader gives every chapter one tree (:mod:`paiban.tree`). A builder takes a copy
(:meth:`paiban.model.Chapter.tree`) and runs its list of transforms over it, each a
named function that changes the tree in place; then :func:`paiban.tree.serialize`
writes the XHTML once. The EPUB and the PDF differ by their lists, not by parsing
and rewriting each other's text:

- links between chapters (:mod:`~paiban.transforms.links`): into the EPUB's
  documents, or to the PDF's anchors;
- image paths (:mod:`~paiban.transforms.media`): the EPUB keeps images in ``media/``;
- page breaks (:mod:`~paiban.transforms.pagebreaks`): the PDF starts a page at every
  original page marker, wherever it stands;
- tight tails (:mod:`~paiban.transforms.tighten`): the PDF sets the last lines before
  a page break tighter where a few characters were left over;
- punctuation (:mod:`~paiban.transforms.punctuation`): the PDF compresses adjacent marks.
- 着重号 (:mod:`~paiban.transforms.emphasis`): the PDF gives each dotted character a
  span to draw its dot (the EPUB's reading systems draw CSS ``text-emphasis``);
- tables (:mod:`~paiban.transforms.tables`): the PDF sets three-line tables and cuts
  one that runs over a page into 续表 where a first layout found the page breaks;
- deferred figures (:mod:`~paiban.transforms.figures`): the PDF moves a figure its
  page had no room for after the text that fills that room.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paiban.log import LOGGER
from paiban.tree import Element


@dataclass(frozen=True)
class Transform:
    """One step: what the log calls it, and the function that changes a tree in place."""

    name: str
    run: Callable[[Element], None]


def apply(root: Element, steps: Sequence[Transform]) -> Element:
    """Run ``steps`` over ``root`` in order; return ``root``."""
    for step in steps:
        LOGGER.debug("transform %s", step.name)
        step.run(root)
    return root
