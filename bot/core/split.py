"""Split a rendered digest into messages that fit a platform's limits. Pure, platform-neutral.

The renderer of a platform hands over its pieces already rendered — a header, the sections
(a group heading and its items) and a footer (the overflow line) — and gets back the parts,
in order, each within the limits the adapter declares (`max_chars`, `max_items`, as in
`bot.ports.AdapterLimits`). Rules:
- An item is never cut between two messages: a part ends before an item that does not fit.
- Every part starts with the header; when there are several parts, the header carries the
  marker " (i/n)". Its width is reserved before packing (for 1–9 parts one digit, and so on),
  so the marker never pushes a part over the limit.
- A group that goes on in the next part repeats its heading there, in the `continued` form
  the renderer gave ("■ SNOW (cont.)"). A heading never ends a part without an item.
- A single item larger than a whole message is shortened, and only then: leading lines are
  kept as long as they fit, then a line "…" (indented like the line it stands for), then the
  item's last line, where renderers put the link. Only when even the first line and the last
  line do not fit together is the first line cut at a word, with "…"; only when the last line
  alone does not fit is it cut too (after the first line, cut to at most half the room).
- The footer goes on the last part (on a part of its own when the last one is full).
- Nothing is lost and the order is kept: reading the parts one after the other gives every
  item of every section once, in the order given (only the middle lines of an item too large
  for any message are left out, and the "…" says so).
- Parts are filled greedily, which for an order-keeping split gives the fewest parts.

`measure` says what a platform counts (characters by default; UTF-16 units for Discord,
escaped length for Slack). It must be additive — the measure of a concatenation is the sum of
the measures — which every per-character count is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Measure = Callable[[str], int]


class Limits(Protocol):
    """What the splitter needs of a platform's limits (`bot.ports.AdapterLimits` has it)."""

    @property
    def max_chars(self) -> int: ...

    @property
    def max_items(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Section:
    """A group as rendered: its heading (None: items without one) and its items."""

    heading: str | None
    items: tuple[str, ...]
    continued: str | None = None  # the heading in a later part; None → `heading` again


@dataclass(frozen=True, slots=True)
class Layout:
    """How the pieces of one message are joined; the defaults suit plain text."""

    section_sep: str = "\n\n"  # header, sections and footer
    heading_sep: str = "\n"  # a heading and its first item
    item_sep: str = "\n\n"  # two items of a section
    marker: str = " ({i}/{n})"  # after the header when there are several parts
    ellipsis: str = "…"


@dataclass(frozen=True, slots=True)
class PartSection:
    """The items of input section `index` that one part holds, from item `start` on."""

    index: int
    heading: str | None  # the heading as shown: the `continued` form when `start` > 0
    items: tuple[str, ...]  # as given, or shortened when one alone exceeded a message
    start: int


@dataclass(frozen=True, slots=True)
class Part:
    index: int  # 1-based
    total: int
    header: str  # with the marker when `total` > 1
    sections: tuple[PartSection, ...]
    footer: str | None
    text: str


@dataclass(slots=True)
class _Draft:
    cost: int
    sections: list[PartSection] = field(default_factory=list)
    items: int = 0
    footer: str | None = None


class _Packer:
    def __init__(
        self,
        header: str,
        sections: Sequence[Section],
        footer: str | None,
        limits: Limits,
        layout: Layout,
        measure: Measure,
        reserve: int,
    ) -> None:
        self.header = header
        self.sections = sections
        self.footer = footer
        self.max_chars = limits.max_chars
        self.max_items = limits.max_items
        self.layout = layout
        self.measure = measure
        self.empty_cost = measure(header) + reserve
        if self.empty_cost > self.max_chars:
            raise ValueError(
                f"max_chars {self.max_chars} cannot hold the header and the part marker"
            )

    def pack(self) -> list[_Draft]:
        drafts: list[_Draft] = []
        draft = _Draft(self.empty_cost)
        for index, section in enumerate(self.sections):
            for position, item in enumerate(section.items):
                if draft.items >= self.max_items or not self._fits(draft, index, position, item):
                    if draft.items:
                        drafts.append(draft)
                        draft = _Draft(self.empty_cost)
                    if not self._fits(draft, index, position, item):
                        room = self.max_chars - draft.cost - self._overhead(draft, index, position)
                        item = self._shorten(item, room)
                self._add(draft, index, position, item)
        if self.footer is not None:
            cost = self.measure(self.layout.section_sep) + self.measure(self.footer)
            if draft.cost + cost > self.max_chars and draft.items:
                drafts.append(draft)
                draft = _Draft(self.empty_cost)
            if draft.cost + cost > self.max_chars:
                raise ValueError(f"max_chars {self.max_chars} cannot hold the footer")
            draft.footer = self.footer
            draft.cost += cost
        drafts.append(draft)
        return drafts

    def _heading(self, index: int, position: int) -> str | None:
        section = self.sections[index]
        if position and section.continued is not None:
            return section.continued
        return section.heading

    def _overhead(self, draft: _Draft, index: int, position: int) -> int:
        """The cost of adding an item of section `index` to `draft`, the item itself aside."""
        measure, layout = self.measure, self.layout
        if draft.sections and draft.sections[-1].index == index:
            return measure(layout.item_sep)
        heading = self._heading(index, position)
        cost = measure(layout.section_sep)
        if heading is not None:
            cost += measure(heading) + measure(layout.heading_sep)
        return cost

    def _fits(self, draft: _Draft, index: int, position: int, item: str) -> bool:
        cost = self._overhead(draft, index, position) + self.measure(item)
        return draft.cost + cost <= self.max_chars

    def _add(self, draft: _Draft, index: int, position: int, item: str) -> None:
        draft.cost += self._overhead(draft, index, position) + self.measure(item)
        draft.items += 1
        last = draft.sections[-1] if draft.sections else None
        if last is not None and last.index == index:
            draft.sections[-1] = PartSection(
                last.index, last.heading, (*last.items, item), last.start
            )
        else:
            heading = self._heading(index, position)
            draft.sections.append(PartSection(index, heading, (item,), position))

    def _shorten(self, item: str, room: int) -> str:
        """`item` within `room`: leading lines, an ellipsis line, the last line (module doc)."""
        measure, ellipsis = self.measure, self.layout.ellipsis
        if room < measure(ellipsis):
            raise ValueError(f"max_chars {self.max_chars} leaves no room for an item")
        lines = item.split("\n")
        if len(lines) == 1:
            return _cut(item, room, ellipsis, measure)
        *head, last = lines
        tail = measure("\n") + measure(last)
        for keep in range(len(head) - 1, 0, -1):
            dropped = head[keep]
            filler = dropped[: len(dropped) - len(dropped.lstrip())] + ellipsis
            kept = "\n".join(head[:keep])
            if measure(kept) + measure("\n") + measure(filler) + tail <= room:
                return "\n".join([*head[:keep], filler, last])
        if measure(ellipsis) + tail <= room:
            return _cut(head[0], room - tail, ellipsis, measure) + "\n" + last
        # A last line longer than a message is broken anyway: the first line keeps up to half.
        first_room = min(measure(head[0]), (room - measure("\n")) // 2)
        if first_room < measure(ellipsis):
            return _cut(last, room, ellipsis, measure)
        first = _cut(head[0], first_room, ellipsis, measure)
        return first + "\n" + _cut(last, room - measure(first) - measure("\n"), ellipsis, measure)


def _cut(text: str, room: int, ellipsis: str, measure: Measure) -> str:
    """The longest beginning of `text` that fits `room` with `ellipsis` after it, ended at a
    word when there is one; `text` itself when it fits."""
    if measure(text) <= room:
        return text
    budget = room - measure(ellipsis)
    used = 0
    end = 0
    for ch in text:
        used += measure(ch)
        if used > budget:
            break
        end += 1
    prefix = text[:end]
    space = prefix.rstrip().rfind(" ")
    if space > len(prefix) - len(prefix.lstrip()):
        prefix = prefix[:space]
    return prefix.rstrip() + ellipsis


def _text(header: str, draft: _Draft, layout: Layout) -> str:
    out = [header]
    for section in draft.sections:
        body = layout.item_sep.join(section.items)
        if section.heading is not None:
            body = section.heading + layout.heading_sep + body
        out.append(body)
    if draft.footer is not None:
        out.append(draft.footer)
    return layout.section_sep.join(out)


def split_messages(
    header: str,
    sections: Sequence[Section],
    *,
    limits: Limits,
    footer: str | None = None,
    layout: Layout | None = None,
    measure: Measure = len,
) -> list[Part]:
    """The parts of one digest, in order, each within `limits` (see the module docstring).

    Sections without items are left out (a heading alone is never shown). Raises ValueError
    when the limits cannot hold even a header with its marker and one shortened item, or the
    footer.
    """
    if limits.max_items < 1:
        raise ValueError(f"max_items must be at least 1, not {limits.max_items}")
    layout = layout or Layout()
    drafts = _Packer(header, sections, footer, limits, layout, measure, 0).pack()
    digits = 0
    while len(drafts) > 1 and len(str(len(drafts))) > digits:
        digits = len(str(len(drafts)))
        widest = 10**digits - 1
        reserve = measure(layout.marker.format(i=widest, n=widest))
        drafts = _Packer(header, sections, footer, limits, layout, measure, reserve).pack()
    total = len(drafts)
    parts = []
    for number, draft in enumerate(drafts, start=1):
        title = header + layout.marker.format(i=number, n=total) if total > 1 else header
        parts.append(
            Part(
                index=number,
                total=total,
                header=title,
                sections=tuple(draft.sections),
                footer=draft.footer,
                text=_text(title, draft, layout),
            )
        )
    return parts
