"""reports.plots: each function writes a non-empty PNG of figsize*dpi pixels."""

import base64
from collections import Counter

import matplotlib.image as mpimg
import numpy as np
import pytest

from dynosaur_assets.reports.plots import DPI, embedding_map, funnel_chart, markdown_image, verb_noun_sunburst

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_png(path, width_in, height_in):
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == PNG_SIGNATURE
    assert mpimg.imread(path).shape[:2] == (round(height_in * DPI), round(width_in * DPI))


def test_funnel_with_an_empty_stage(tmp_path):
    stages = [("listed", 1200), ("with card", 800), ("valid tasks", 0), ("instances", 30000)]
    path = funnel_chart(stages, tmp_path / "funnel.png")
    _check_png(path, 8, max(3.0, 0.6 * len(stages) + 1.5))


def test_funnel_with_no_stages(tmp_path):
    _check_png(funnel_chart([], tmp_path / "none.png"), 8, 3)


def test_sunburst_with_a_verb_of_one_noun(tmp_path):
    counts = {
        "classify": Counter({"sentiment": 30, "topic": 12, "review": 5, "intent": 4, "tweet": 1}),
        "generate": Counter({"question": 20, "title": 8}),
        "translate": Counter({"sentence": 9}),  # a verb with one noun
        "answer": Counter(),  # no nouns: not drawn
    }
    _check_png(verb_noun_sunburst(counts, tmp_path / "sun.png", top_verbs=10, top_nouns=4), 8, 8)


def test_sunburst_empty(tmp_path):
    _check_png(verb_noun_sunburst({}, tmp_path / "empty.png"), 8, 8)


def test_embedding_map_two_points(tmp_path):
    _check_png(embedding_map(np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]]), ["a", "b"], tmp_path / "two.png", "two"), 8, 6)


def test_embedding_map_many_labels_fold_into_other(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(200, 8))
    labels = [f"d{i % 20}" for i in range(200)]
    _check_png(embedding_map(vectors, labels, tmp_path / "many.png", "many"), 8, 6)


def test_embedding_map_rejects_mismatched_labels(tmp_path):
    with pytest.raises(ValueError):
        embedding_map(np.zeros((3, 2)), ["a"], tmp_path / "bad.png", "bad")


def test_markdown_image_is_an_inline_data_uri(tmp_path):
    path = funnel_chart([("a", 1)], tmp_path / "f.png")
    md = markdown_image(path, "funnel")
    prefix = "![funnel](data:image/png;base64,"
    assert md.startswith(prefix) and md.endswith(")")
    assert base64.b64decode(md[len(prefix):-1]) == path.read_bytes()
