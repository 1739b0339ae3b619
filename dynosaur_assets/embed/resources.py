"""The `InstructionEmbedder` resource: all-MiniLM-L6-v2 on CPU by default, or OpenAI embeddings."""

import functools

import dagster as dg
from pydantic import Field

from dynosaur_assets.embed.embedder import Embedder, MiniLMEmbedder, OpenAIEmbedder
from dynosaur_assets.openai_api import DEFAULT_BASE_URL


@functools.cache
def shared_minilm() -> MiniLMEmbedder:
    """One MiniLM model per process: loading it costs seconds, every run reuses it."""
    return MiniLMEmbedder()


class InstructionEmbedder(dg.ConfigurableResource):
    """Which embedding backend embeds instruction texts."""

    backend: str = Field(default="minilm", description="minilm (offline, CPU) or openai")
    api_key: str = Field(default="", description="OPENAI_API_KEY, for the openai backend")
    base_url: str = Field(default="", description="OPENAI_BASE_URL, for the openai backend")

    def embedder(self) -> Embedder:
        """The configured backend; the openai one needs an API key."""
        if self.backend == "minilm":
            return shared_minilm()
        if self.backend == "openai":
            return OpenAIEmbedder(self.api_key, self.base_url or DEFAULT_BASE_URL)
        raise ValueError(f"DYNOSAUR_EMBEDDER must be minilm or openai, got {self.backend!r}")
