"""PNG figures for the run reports (matplotlib, Agg backend; every figure is closed after saving).

- funnel_chart: curation funnel (stage -> count) as horizontal bars with counts labelled.
- verb_noun_sunburst: the paper's diversity figure (docs/method.md §5): inner ring = top verbs,
  outer ring = each verb's top nouns, two nested ``ax.pie`` rings.
- embedding_map: 2-D PCA (numpy SVD) of vectors, coloured by label (<= 12 legend entries).
- markdown_image: inline base64 data-URI Markdown so the Dagster UI renders the PNG.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 100
MAX_LEGEND = 12


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, format="png", dpi=DPI)  # no bbox_inches: the size stays figsize*dpi
    finally:
        plt.close(fig)
    return path


def funnel_chart(stages: list[tuple[str, int]], path, title: str = "Curation funnel") -> Path:
    """Horizontal bars, first stage on top, each bar labelled with its count (zero counts too)."""
    height = max(3.0, 0.6 * len(stages) + 1.5)
    fig, ax = plt.subplots(figsize=(8, height), layout="constrained")
    if not stages:
        ax.text(0.5, 0.5, "no stages", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, path)
    names = [name for name, _ in stages]
    counts = [int(count) for _, count in stages]
    y = np.arange(len(stages))[::-1]
    bars = ax.barh(y, counts, color="#4C72B0")
    top = max(counts) if max(counts) > 0 else 1
    ax.set_xlim(0, top * 1.15)
    ax.set_yticks(y, names)
    for bar, count in zip(bars, counts):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, f"{count:,}",
                va="center", ha="left", fontsize=10)
    ax.set_xlabel("count")
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def verb_noun_sunburst(counts: Mapping[str, Counter], path, top_verbs: int = 10, top_nouns: int = 4) -> Path:
    """Inner ring: the ``top_verbs`` verbs by number of instructions; outer ring: each verb's
    ``top_nouns`` nouns, sized by count. A verb's instructions with no noun or a rarer noun
    are a blank outer wedge so each verb's outer share matches its inner wedge."""
    fig, ax = plt.subplots(figsize=(8, 8), layout="constrained")
    totals = {v: sum(c.values()) for v, c in counts.items()}
    verbs = sorted((v for v in totals if totals[v] > 0), key=lambda v: (-totals[v], v))[:top_verbs]
    if not verbs:
        ax.text(0.5, 0.5, "no verb–noun pairs", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, path)
    cmap = plt.get_cmap("tab10" if len(verbs) <= 10 else "tab20")
    inner_sizes, inner_colors = [], []
    outer_sizes, outer_labels, outer_colors = [], [], []
    grand = sum(totals[v] for v in verbs)
    for i, verb in enumerate(verbs):
        base = np.array(cmap(i % cmap.N))
        inner_sizes.append(totals[verb])
        inner_colors.append(base)
        top = counts[verb].most_common(top_nouns)
        for j, (noun, n) in enumerate(top):
            shade = base.copy()
            shade[:3] = shade[:3] + (1 - shade[:3]) * (0.25 + 0.5 * j / max(top_nouns, 1))
            outer_sizes.append(n)
            # label only wedges wide enough to read (>= 0.6% of the circle; labels are radial)
            outer_labels.append(noun if n / grand >= 0.006 else "")
            outer_colors.append(shade)
        rest = totals[verb] - sum(n for _, n in top)
        if rest > 0:
            outer_sizes.append(rest)
            outer_labels.append("")
            outer_colors.append((0.93, 0.93, 0.93, 1.0))
    inner_labels = [v if totals[v] / grand >= 0.02 else "" for v in verbs]
    _, inner_texts = ax.pie(inner_sizes, radius=0.62, colors=inner_colors, labels=inner_labels, labeldistance=0.66,
                            startangle=90, counterclock=False, rotatelabels=True,
                            textprops={"fontsize": 11, "fontweight": "bold", "ha": "center", "va": "center"},
                            wedgeprops={"width": 0.42, "edgecolor": "white", "linewidth": 1.5})
    for text in inner_texts:
        text.set_rotation_mode("anchor")
    _, texts = ax.pie(outer_sizes, radius=1.0, colors=outer_colors, labels=outer_labels, labeldistance=0.81,
                      startangle=90, counterclock=False, rotatelabels=True,
                      textprops={"fontsize": 9, "ha": "center", "va": "center"},
                      wedgeprops={"width": 0.38, "edgecolor": "white", "linewidth": 1})
    for text in texts:  # keep rotated labels radial and centred in their wedge
        text.set_rotation_mode("anchor")
    ax.set_title(f"Top {len(verbs)} verbs and their top {top_nouns} object nouns", fontsize=13)
    ax.set_aspect("equal")
    return _save(fig, path)


def _pca_2d(vectors: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"vectors must be 2-D, got shape {x.shape}")
    x = x - x.mean(axis=0, keepdims=True)
    if x.shape[0] < 2 or not np.any(x):
        return np.zeros((x.shape[0], 2))
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    coords = u[:, :2] * s[:2]
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - coords.shape[1]))])
    return coords


def embedding_map(vectors: np.ndarray, labels: list[str], path, title: str) -> Path:
    """Scatter of the first two principal components, coloured by label. The 11 most frequent
    labels keep their names and the rest become 'other' once there are more than 12."""
    if len(labels) != len(vectors):
        raise ValueError(f"{len(labels)} labels for {len(vectors)} vectors")
    coords = _pca_2d(vectors)
    freq = Counter(labels)
    if len(freq) > MAX_LEGEND:
        keep = {name for name, _ in freq.most_common(MAX_LEGEND - 1)}
        labels = [name if name in keep else "other" for name in labels]
    order = sorted(set(labels), key=lambda n: (n == "other", -labels.count(n), n))
    cmap = plt.get_cmap("tab20" if len(order) > 10 else "tab10")
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    arr = np.asarray(labels, dtype=object)
    for i, name in enumerate(order):
        mask = arr == name
        color = (0.6, 0.6, 0.6, 1.0) if name == "other" else cmap(i % cmap.N)
        ax.scatter(coords[mask, 0], coords[mask, 1], s=18, alpha=0.75, color=color,
                   label=f"{name} ({int(mask.sum())})", edgecolors="none")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title)
    if order:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return _save(fig, path)


def markdown_image(path: Path, alt: str) -> str:
    """Markdown embedding the PNG inline: ``![alt](data:image/png;base64,...)``."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    alt = alt.replace("[", "(").replace("]", ")")
    return f"![{alt}](data:image/png;base64,{data})"
