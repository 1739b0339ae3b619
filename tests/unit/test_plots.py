"""reports.plots: each function writes a valid, non-empty PNG of what it was given."""

import base64
from collections import Counter
from dataclasses import dataclass, field

import matplotlib.image as mpimg
import numpy as np
import pytest

from dynosaur_assets.reports import plots
from dynosaur_assets.reports.plots import embedding_map, funnel_chart, markdown_image, verb_noun_sunburst

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOUNS = {
    "classify": Counter({"sentiment": 30, "topic": 12, "review": 5, "intent": 4, "tweet": 1}),
    "generate": Counter({"question": 20, "title": 8}),
    "translate": Counter({"sentence": 9}),  # a verb with one noun
    "answer": Counter(),  # no nouns: not drawn
}


def png_size(path) -> tuple[int, int]:
    """(height, width) in pixels of a PNG that decodes and is not blank."""
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == PNG_SIGNATURE
    pixels = mpimg.imread(path)
    assert pixels.std() > 0  # something is drawn
    return pixels.shape[:2]


@dataclass
class Drawn:
    """The texts of the last figure saved: every text (titles, tick and wedge labels) and the legend's."""

    texts: set[str] = field(default_factory=set)
    legend: list[str] = field(default_factory=list)


@pytest.fixture
def drawn(monkeypatch) -> Drawn:
    last = Drawn()
    save = plots._save

    def keep_texts(fig, path):
        last.texts = {text.get_text() for text in fig.findobj(lambda artist: hasattr(artist, "get_text"))}
        legend = fig.axes[0].get_legend()
        last.legend = [text.get_text() for text in legend.get_texts()] if legend else []
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep_texts)
    return last


def test_more_funnel_stages_give_a_taller_image_of_the_same_width(tmp_path):
    sizes = [png_size(funnel_chart([(f"stage {i}", 10 * i) for i in range(count)], tmp_path / f"{count}.png"))
             for count in (0, 1, 4, 12)]
    heights, widths = zip(*sizes)
    assert list(heights) == sorted(heights) and heights[-1] > heights[1]
    assert len(set(widths)) == 1


def test_funnel_labels_every_stage_and_count_even_zero(tmp_path, drawn):
    stages = [("listed", 1200), ("with card", 800), ("valid tasks", 0), ("instances", 30000)]
    png_size(funnel_chart(stages, tmp_path / "funnel.png"))
    assert {"listed", "with card", "valid tasks", "instances", "1,200", "800", "0", "30,000"} <= drawn.texts


def test_an_empty_funnel_says_so(tmp_path, drawn):
    png_size(funnel_chart([], tmp_path / "none.png"))
    assert "no stages" in drawn.texts


def test_sunburst_draws_the_top_nouns_of_verbs_that_have_some(tmp_path, drawn):
    height, width = png_size(verb_noun_sunburst(NOUNS, tmp_path / "sun.png", top_verbs=10, top_nouns=4))
    assert height == width
    assert {"classify", "generate", "translate", "sentiment", "intent", "question", "sentence"} <= drawn.texts
    assert "answer" not in drawn.texts and "tweet" not in drawn.texts  # no noun; fifth noun of its verb


def test_sunburst_keeps_only_the_top_verbs(tmp_path, drawn):
    verb_noun_sunburst(NOUNS, tmp_path / "sun.png", top_verbs=1, top_nouns=4)
    assert "classify" in drawn.texts and "generate" not in drawn.texts and "question" not in drawn.texts


def test_sunburst_empty(tmp_path, drawn):
    png_size(verb_noun_sunburst({}, tmp_path / "empty.png"))
    assert "no verb–noun pairs" in drawn.texts


def test_embedding_map_size_does_not_depend_on_the_data(tmp_path):
    two = png_size(embedding_map(np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]]), ["a", "b"], tmp_path / "2.png", "two"))
    rng = np.random.default_rng(0)
    many = png_size(embedding_map(rng.normal(size=(200, 8)), ["x"] * 200, tmp_path / "200.png", "many"))
    assert two == many


def test_embedding_map_many_labels_fold_into_other(tmp_path, drawn):
    labels = [f"d{i % 20}" for i in range(200)] + ["d0"] * 5  # d0 is the most frequent
    rng = np.random.default_rng(0)
    png_size(embedding_map(rng.normal(size=(len(labels), 8)), labels, tmp_path / "many.png", "many"))
    counts = {text.split(" (")[0]: int(text.split(" (")[1][:-1]) for text in drawn.legend}
    assert list(counts)[0] == "d0" and list(counts)[-1] == "other" and len(counts) < len(set(labels))
    assert sum(counts.values()) == len(labels)


def test_embedding_map_few_labels_are_all_named(tmp_path, drawn):
    embedding_map(np.eye(3), ["a", "b", "b"], tmp_path / "few.png", "few")
    assert drawn.legend == ["b (2)", "a (1)"]


def test_embedding_map_rejects_mismatched_labels(tmp_path):
    with pytest.raises(ValueError):
        embedding_map(np.zeros((3, 2)), ["a"], tmp_path / "bad.png", "bad")


def test_markdown_image_is_an_inline_data_uri(tmp_path):
    path = funnel_chart([("a", 1)], tmp_path / "f.png")
    md = markdown_image(path, "funnel")
    prefix = "![funnel](data:image/png;base64,"
    assert md.startswith(prefix) and md.endswith(")")
    assert base64.b64decode(md[len(prefix):-1]) == path.read_bytes()
