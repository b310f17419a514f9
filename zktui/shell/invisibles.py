"""The line being typed, drawn inert: a pasted or typed bidi override, zero-width or control character is
shown as its escape (`\\u202e`), never sent to the terminal as is.

prompt_toolkit draws the buffer's characters raw (C0 controls as ^X, but format characters such as U+202E
unchanged), and a terminal with bidi support would reorder the line the operator is about to run. Only the
display changes: the buffer, and what Enter sends, keep the characters typed. The position mappings keep
the cursor on the right character, as prompt_toolkit's own TabsProcessor does for tabs.
"""

from __future__ import annotations

from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.layout.utils import explode_text_fragments

from zktui.core.escape import inert_typed

ESCAPE_STYLE = "class:escaped"


class ShowInvisibles(Processor):
    def apply_transformation(self, transformation_input: TransformationInput) -> Transformation:
        fragments = transformation_input.fragments
        if all(inert_typed(fragment[1]) == fragment[1] for fragment in fragments):
            return Transformation(fragments)  # nearly every line: nothing to map
        shown = []
        display_of: list[int] = []  # display position of each source position
        position = 0
        for style, char, *rest in explode_text_fragments(fragments):
            display_of.append(position)
            escaped = inert_typed(char)
            if escaped == char:
                shown.append((style, char, *rest))
            else:
                shown.append((f"{style} {ESCAPE_STYLE}", escaped, *rest))
            position += len(escaped)
        display_of.append(position)  # the cursor may stand after the last character

        def source_to_display(source: int) -> int:
            return display_of[min(source, len(display_of) - 1)] + max(0, source - (len(display_of) - 1))

        def display_to_source(display: int) -> int:
            source = 0
            while source + 1 < len(display_of) and display_of[source + 1] <= display:
                source += 1
            return source

        return Transformation(shown, source_to_display=source_to_display, display_to_source=display_to_source)
