"""Question kinds beyond plain text (DESIGN.md section 3b): attachments, structured output, tool calls.

- ``RequestKinds.prepare(question, request)``: adds attachment content parts, a ``json_schema`` response
  format or ``tools`` to the templated request, after checking the model's capabilities;
- ``AttachmentCache`` / ``MediaLimits``: images and PDFs read, checked by their bytes and encoded once;
- ``JsonGrader`` (``json``) and ``ToolCallGrader`` (``tool_call``), registered with the grading registry;
- ``samples``: tiny PNG, JPEG, GIF, WebP and PDF files written by code, for suites and tests.
"""

from __future__ import annotations

from pytest_llmbench.grading.comparison import Comparison, compare, leaf_matches, parse_arguments, parse_reply
from pytest_llmbench.grading.structured import (
    TEXT_GRADERS,
    CompletionGrader,
    JsonGrader,
    ToolCallGrader,
    describe_calls,
    kind_grader,
    tool_calls_of,
)
from pytest_llmbench.kinds.capabilities import InfoLookup, Need, catalog_info, check, missing
from pytest_llmbench.kinds.media import IMAGE_TYPES, MB, PDF_TYPE, Attachment, AttachmentCache, MediaLimits, sniff
from pytest_llmbench.kinds.request import RequestKinds, attach, is_plain, prompt_key, response_format
from pytest_llmbench.types import Completion


def reply_text(completion: Completion) -> str:
    """The reply as stored and reported: its text, then one line per tool call."""
    calls = describe_calls(completion)
    return "\n".join(t for t in (completion.text, calls) if t)


__all__ = [
    "IMAGE_TYPES",
    "MB",
    "PDF_TYPE",
    "TEXT_GRADERS",
    "Attachment",
    "AttachmentCache",
    "Comparison",
    "CompletionGrader",
    "InfoLookup",
    "JsonGrader",
    "MediaLimits",
    "Need",
    "RequestKinds",
    "ToolCallGrader",
    "attach",
    "catalog_info",
    "check",
    "compare",
    "describe_calls",
    "is_plain",
    "kind_grader",
    "leaf_matches",
    "missing",
    "parse_arguments",
    "parse_reply",
    "prompt_key",
    "reply_text",
    "response_format",
    "sniff",
    "tool_calls_of",
]
