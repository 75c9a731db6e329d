"""What a question needs from a model, and whether the catalog says the model has it.

A question with an image attachment needs image input; a PDF sent natively needs file input; a ``schema``
needs structured outputs; ``tools`` need tool calling. When the catalog entry says the model lacks one, the
item is skipped with the reason (``UnsupportedError``) and never sent. When the catalog does not know (no
entry, or an old entry without ``supported_parameters``), the request is sent and whatever happens is
reported, with a note that nothing was checked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from enum import StrEnum

from pytest_llmbench.errors import UnsupportedError
from pytest_llmbench.providers.catalog import ModelInfo, load_snapshot
from pytest_llmbench.providers.simulated import PREFIX as SIM_PREFIX
from pytest_llmbench.providers.simulated import sim_model_info

#: Where capabilities come from: a model id -> its catalog entry, or None when there is none.
InfoLookup = Callable[[str], ModelInfo | None]


class Need(StrEnum):
    IMAGE = "image input"
    FILE = "file input"
    STRUCTURED = "structured outputs"
    TOOLS = "tool calling"


_WHY = {
    Need.IMAGE: "this question has an image attachment",
    Need.FILE: "this question sends a PDF as a file (--llm-pdf=native)",
    Need.STRUCTURED: "this question asks for JSON following a schema",
    Need.TOOLS: "this question offers tools to call",
}


@functools.cache
def _snapshot() -> dict[str, ModelInfo]:
    return load_snapshot()


def catalog_info(model: str) -> ModelInfo | None:
    """The bundled catalog's entry for ``model`` (a routing suffix such as ``:nitro`` ignored); sim profiles."""
    if model.startswith(SIM_PREFIX):
        return sim_model_info(model)
    catalog = _snapshot()
    return catalog.get(model) or catalog.get(model.split(":", 1)[0])


def missing(info: ModelInfo, need: Need) -> str | None:
    """Why the catalog says ``info`` cannot serve ``need``; None when it can or when the catalog does not know."""
    inputs = ", ".join(info.input_modalities) or "none"
    if need is Need.IMAGE and not info.accepts("image"):
        return f"does not take image input (its catalog input modalities: {inputs})"
    if need is Need.FILE and not info.accepts("file"):
        return f"does not take file input (its catalog input modalities: {inputs})"
    if need is Need.STRUCTURED:
        said = [info.supports("structured_outputs"), info.supports("response_format")]
        if all(s is False for s in said):
            return (
                "does not support structured outputs (neither 'structured_outputs' nor 'response_format' is a "
                "supported parameter in its catalog entry)"
            )
    if need is Need.TOOLS and info.supports("tools") is False:
        return "does not support tool calling ('tools' is not a supported parameter in its catalog entry)"
    return None


def check(info: ModelInfo | None, needs: Iterable[Need]) -> None:
    """Raise ``UnsupportedError`` naming the first need the catalog entry ``info`` says its model lacks."""
    if info is None:
        return
    for need in needs:
        reason = missing(info, need)
        if reason is not None:
            raise UnsupportedError(f"Not asked: the model {reason}, and {_WHY[need]}.")


def unchecked_note(model: str, needs: Iterable[Need]) -> str:
    """Added to a failed request's error when the catalog had no entry to check the needs against."""
    listed = ", ".join(n.value for n in needs)
    return f"(no catalog entry for {model}, so its support for {listed} was not checked before sending)"
