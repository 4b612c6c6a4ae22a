"""split_messages: parts within limits, items whole and in order, "(i/n)", continued headings."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.split import Layout, Measure, Part, Section, split_messages


@dataclass(frozen=True)
class Limits:
    max_chars: int
    max_items: int


def utf16(text: str) -> int:
    """What Discord counts: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def item(name: str, lines: int = 1) -> str:
    """A console-like item: title, `lines` summary lines, link."""
    body = [f"• {name}"] + [f"  summary {name} {n}" for n in range(lines)]
    return "\n".join([*body, f"  https://x/{name}"])


def shape(parts: list[Part]) -> list[tuple[str, list[tuple[str | None, list[str]]], str | None]]:
    """Each part as (header, [(heading, [item titles])], footer)."""
    return [
        (
            p.header,
            [(s.heading, [i.split("\n")[0][2:] for i in s.items]) for s in p.sections],
            p.footer,
        )
        for p in parts
    ]


A = Section("■ A", (item("a1"), item("a2"), item("a3")), continued="■ A (cont.)")
B = Section("■ B", (item("b1"),), continued="■ B (cont.)")

TABLE = [
    ("fits-in-one-no-marker", [A, B], Limits(1000, 10), "2 more",
     [("H", [("■ A", ["a1", "a2", "a3"]), ("■ B", ["b1"])], "2 more")]),
    ("max-items-numbered-group-continues", [A, B], Limits(1000, 2), None,
     [("H (1/2)", [("■ A", ["a1", "a2"])], None),
      ("H (2/2)", [("■ A (cont.)", ["a3"]), ("■ B", ["b1"])], None)]),
    ("max-chars-never-halves-an-item", [A, B], Limits(130, 10), None,
     [("H (1/2)", [("■ A", ["a1", "a2", "a3"])], None),
      ("H (2/2)", [("■ B", ["b1"])], None)]),
    ("no-continued-form-repeats-heading", [Section("■ A", A.items)], Limits(1000, 1), None,
     [("H (1/3)", [("■ A", ["a1"])], None), ("H (2/3)", [("■ A", ["a2"])], None),
      ("H (3/3)", [("■ A", ["a3"])], None)]),
    ("section-without-heading", [Section(None, (item("x"), item("y")))], Limits(1000, 1), None,
     [("H (1/2)", [(None, ["x"])], None), ("H (2/2)", [(None, ["y"])], None)]),
    ("footer-joins-the-last-part", [B], Limits(1000, 1), "12 more stories",
     [("H", [("■ B", ["b1"])], "12 more stories")]),
    ("footer-gets-its-own-part-when-the-last-is-full", [B], Limits(50, 5), "12 more stories",
     [("H (1/2)", [("■ B", ["b1"])], None), ("H (2/2)", [], "12 more stories")]),
    ("no-sections-only-the-footer", [], Limits(100, 1), "No new stories.",
     [("H", [], "No new stories.")]),
    ("empty-section-left-out", [Section("■ E", ()), B], Limits(1000, 5), None,
     [("H", [("■ B", ["b1"])], None)]),
    ("ten-parts-two-digit-marker", [Section("■ A", tuple(item(f"n{i}") for i in range(10)))],
     Limits(1000, 1), None,
     [(f"H ({i}/10)", [("■ A", [f"n{i - 1}"])], None) for i in range(1, 11)]),
]


@pytest.mark.parametrize(
    ("sections", "limits", "footer", "expected"),
    [case[1:] for case in TABLE],
    ids=[case[0] for case in TABLE],
)
def test_split_table(
    sections: list[Section], limits: Limits, footer: str | None, expected: object
) -> None:
    parts = split_messages("H", sections, limits=limits, footer=footer)
    assert shape(parts) == expected
    for part in parts:
        assert len(part.text) <= limits.max_chars


def test_part_text_layout() -> None:
    [first, second] = split_messages("H", [A], limits=Limits(1000, 2), footer="F")
    assert first.text == f"H (1/2)\n\n■ A\n{item('a1')}\n\n{item('a2')}"
    assert second.text == f"H (2/2)\n\n■ A (cont.)\n{item('a3')}\n\nF"
    assert [(s.index, s.start) for s in second.sections] == [(0, 2)]


def test_marker_width_is_reserved() -> None:
    # Two items fill a message exactly without a marker; with " (1/n)" they no longer do.
    text = item("a1")
    exact = len("H\n\n■ A\n") + len(text) + len("\n\n") + len(text)
    parts = split_messages("H", [Section("■ A", (text, text))], limits=Limits(exact, 9))
    assert len(parts) == 1
    parts = split_messages("H", [Section("■ A", (text, text, text))], limits=Limits(exact, 9))
    assert [p.header for p in parts] == ["H (1/3)", "H (2/3)", "H (3/3)"]
    assert all(len(p.text) <= exact for p in parts)


LONG = "\n".join(
    ["• A very long title that goes on", *(f"  line {n} of the summary" for n in range(20)),
     "  https://example.org/the-link"]
)


@pytest.mark.parametrize(
    ("source", "max_chars", "expected"),
    [
        (LONG, 122,
         "• A very long title that goes on\n  line 0 of the summary\n  line 1 of the summary\n"
         "  …\n  https://example.org/the-link"),
        (LONG, 80, "• A very long title that goes on\n  …\n  https://example.org/the-link"),
        (LONG, 60, "• A very long title…\n  https://example.org/the-link"),
        ("• one single line that is far too long for the message", 30, "• one single line…"),
        ("• title\n  https://example.org/" + "x" * 60, 40, "• title\n  https://example.org/xx…"),
    ],
    ids=["keeps-leading-lines", "title-and-link", "title-cut-at-word",
         "one-line-cut-at-word", "link-longer-than-a-message"],
)
def test_oversized_item_is_shortened_at_lines(source: str, max_chars: int, expected: str) -> None:
    parts = split_messages("H", [Section("■ A", (source,))], limits=Limits(max_chars, 5))
    [part] = parts
    [section] = part.sections
    assert section.items == (expected,)
    assert len(part.text) <= max_chars


def test_oversized_item_does_not_pull_its_neighbours_into_its_part() -> None:
    small = item("s")
    parts = split_messages("H", [Section("■ A", (small, LONG, small))], limits=Limits(120, 5))
    assert [len(p.sections[0].items) for p in parts] == [1, 1, 1]
    assert parts[1].sections[0].items[0].endswith("https://example.org/the-link")
    assert all(len(p.text) <= 120 for p in parts)


@pytest.mark.parametrize(
    ("limits", "footer"),
    [(Limits(100, 0), None), (Limits(2, 5), None), (Limits(12, 5), None),
     (Limits(9, 5), "a long footer line")],
    ids=["max-items-zero", "header-does-not-fit", "no-room-for-an-item", "footer-does-not-fit"],
)
def test_impossible_limits(limits: Limits, footer: str | None) -> None:
    with pytest.raises(ValueError):
        split_messages("H", [A, B], limits=limits, footer=footer)


def test_measure_counts_what_the_platform_counts() -> None:
    emoji = Section("■ 😀", ("😀" * 10, "😀" * 10))
    assert len(split_messages("H", [emoji], limits=Limits(40, 9))) == 1
    parts = split_messages("H", [emoji], limits=Limits(40, 9), measure=utf16)
    assert len(parts) == 2
    assert all(utf16(p.text) <= 40 for p in parts)


# --- properties ------------------------------------------------------------------------------

WORDS = st.text(alphabet="abc xyzäß😀", min_size=0, max_size=30)
ITEMS = st.builds(
    lambda title, body, link: "\n".join([f"• {title}", *(f"  {b}" for b in body),
                                         f"  https://x/{link}"]),
    WORDS, st.lists(WORDS, max_size=4), st.text(alphabet="abc/", max_size=20),
)
SECTIONS = st.lists(
    st.builds(
        lambda key, items, cont: Section(f"■ {key}", tuple(items),
                                         f"■ {key} (cont.)" if cont else None),
        st.text(alphabet="ABCDE", min_size=1, max_size=6),
        st.lists(ITEMS, max_size=6),
        st.booleans(),
    ),
    max_size=5,
)


def _required(header: str, sections: list[Section], footer: str | None, measure: Measure) -> int:
    """The least max_chars the splitter promises to work with for this input."""
    count = sum(len(s.items) for s in sections) + 1
    widest = 10 ** len(str(count)) - 1
    base = measure(header) + measure(f" ({widest}/{widest})") + measure("\n\n")
    need = base
    for s in sections:
        for heading in (s.heading, s.continued):
            if heading is not None:
                need = max(need, base + measure(heading) + measure("\n") + measure("…"))
    if footer is not None:
        need = max(need, base + measure(footer))
    return need


@settings(max_examples=300, deadline=None)
@given(
    header=st.text(alphabet="News ·0123", min_size=1, max_size=20),
    sections=SECTIONS,
    footer=st.one_of(st.none(), st.text(alphabet="more 12", min_size=1, max_size=15)),
    slack=st.integers(min_value=0, max_value=250),
    max_items=st.integers(min_value=1, max_value=7),
    wide=st.booleans(),
)
def test_split_properties(
    header: str, sections: list[Section], footer: str | None, slack: int, max_items: int,
    wide: bool,
) -> None:
    measure: Measure = utf16 if wide else len
    max_chars = _required(header, sections, footer, measure) + slack
    parts = split_messages(header, sections, limits=Limits(max_chars, max_items), footer=footer,
                           measure=measure)
    layout = Layout()
    total = len(parts)
    # the splitter reserves the widest marker with as many digits as `total` has
    widest = 10 ** len(str(total)) - 1
    reserved = measure(f" ({widest}/{widest})") if total > 1 else 0
    seen: list[tuple[int, int]] = []
    for number, part in enumerate(parts, start=1):
        # every part fits and is numbered
        assert measure(part.text) <= max_chars
        assert sum(len(s.items) for s in part.sections) <= max_items
        assert (part.index, part.total) == (number, total)
        marker = f" ({number}/{total})" if total > 1 else ""
        assert part.header == header + marker
        assert part.text.startswith(part.header)
        assert (part.footer is not None) == (footer is not None and number == total)
        # a part without items holds the footer, or is the only part of an empty input
        assert part.sections or part.footer is not None or (not seen and total == 1)
        for ps in part.sections:
            source = sections[ps.index]
            assert ps.items, "a heading never stands without an item"
            again = source.continued if source.continued is not None else source.heading
            assert ps.heading == (again if ps.start else source.heading)
            for offset, text in enumerate(ps.items):
                position = ps.start + offset
                seen.append((ps.index, position))
                original = source.items[position]
                if text != original:
                    # shortened only when it could not fit a part of its own, and within it
                    room = (max_chars - measure(header) - reserved - measure(layout.section_sep)
                            - (measure(ps.heading) + measure("\n") if ps.heading else 0))
                    assert offset == 0 and len(ps.items) == 1
                    assert measure(original) > room >= measure(text)
                    last = original.split("\n")[-1]
                    if measure("…\n" + last) <= room:
                        assert text.split("\n")[-1] == last  # the link line survives
                        first = text.split("\n")[0]
                        assert first == original.split("\n")[0] or first.endswith("…")
    # nothing lost, nothing repeated, order kept
    assert seen == [(i, p) for i, s in enumerate(sections) for p in range(len(s.items))]
    # greedy: a part ends only when the next item really did not fit in it
    for part, following in itertools.pairwise(parts):
        if not following.sections or not part.sections:
            continue
        nxt = following.sections[0]
        original = sections[nxt.index].items[nxt.start]
        if sum(len(s.items) for s in part.sections) >= max_items or nxt.items[0] != original:
            continue  # full by count, or the next item needed a part of its own
        if part.sections[-1].index == nxt.index:
            extra = measure(layout.item_sep)
        else:
            head = sections[nxt.index].heading if nxt.start == 0 else nxt.heading
            extra = measure(layout.section_sep) + (measure(head) + 1 if head else 0)
        used = measure(part.text) - measure(part.header) + measure(header) + reserved
        assert used + extra + measure(original) > max_chars
