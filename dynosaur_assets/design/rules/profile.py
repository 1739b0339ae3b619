"""Field profiles for the rule-based designer: what each field of a config is, from its name, the
feature schema and the sample rows (dtype, role, label names, lengths, shares of prose, links, code
and identifier-like values)."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from dynosaur_assets.design.rules.english import name_words
from dynosaur_assets.tasks import TaskSource

# Heads of names that say nothing about the content (`text`, `sentence_text`).
GENERIC_HEADS = {"text", "body", "content", "line", "string", "str", "literal"}
# Heads of category-like text fields (`topic`, `sentiment`) and of scores.
LABEL_HEADS = {"label", "labels", "category", "class", "topic", "type", "genre", "intent", "emotion",
               "sentiment", "relation", "rel", "level", "bias", "gender", "stance", "scenario", "domain",
               "judgment", "judgement", "polarity", "rating", "verdict", "job", "horoscope", "score", "age"}
_SKIP_WORDS = {"id", "ids", "idx", "uuid", "guid", "qid", "uri", "url", "urls", "link", "date", "time",
               "timestamp", "timestamps", "split", "phase", "file", "path", "annotator", "worker", "rater",
               "submission", "license", "at"}
_ROLES = {
    "choices": {"choices", "choice", "options", "candidates", "candidate", "endings"},
    "question": {"question", "questions", "query", "problem", "prompt", "stem", "propmt", "riddle"},
    "answer": {"answer", "answers", "solution", "rationale", "response", "reply", "explanation"},
    "title": {"title", "headline", "subject", "heading"},
    "summary": {"summary", "highlights", "tldr", "target", "targets", "compression", "abstract"},
    "code": {"code", "program", "sql", "sparql", "formula"},
    "context": {"context", "passage", "paragraph", "para", "article", "document", "story", "snippet",
                "evidence", "support", "dialogue", "dialog", "conversation", "turns", "messages", "review",
                "tweet", "comment", "post", "email", "sentence", "premise", "hypothesis", "observation",
                "event", "source", "description", "utterance"},
}
_COUNT_WORDS = {"count", "counts", "num", "number", "total", "index", "indices", "position", "start", "end",
                "length", "size", "year", "years", "iteration"}
_CODE = re.compile(r"\bdef \w+\(|\bSELECT\b|\bPREFIX\b|\bfunction\s*\w*\(|\bpublic\b|=>|#include|;\s*$",
                   re.MULTILINE)
_ID_VALUE = re.compile(r"^(?=.*\d)[\w.:/-]{5,}$")


@dataclass(frozen=True)
class FieldProfile:
    """What the designer knows about one field, from its name, the schema and the sample rows."""

    name: str
    kind: str  # label (ClassLabel), bool, number, text, string_list, nested
    words: tuple[str, ...]
    role: str  # choices, question, answer, title, summary, code, context, other
    labels: tuple[str, ...]  # ClassLabel names, else the distinct sample values
    distinct: int
    mean_chars: float
    complete: bool  # present and renderable as input in every sample row
    filled: float  # share of rows with a non-empty value
    prose: float  # share of values made of words (`Notre_Dame`, `a dome`), not codes (`B001ELJER4`)
    links: float  # share of values that are URLs
    code: float  # share of values that look like program code
    idlike: float  # share of identifier-like values (`ATIS_dev_101`, `2020-01-01`)

    @property
    def head(self) -> str:
        return self.words[-1] if self.words else self.name.lower()

    @property
    def usable(self) -> bool:
        """Not an identifier, link or bookkeeping field; renderable in every row, mostly non-empty."""
        plain = self.kind != "text" or self.idlike < 0.5
        return (self.complete and self.kind != "nested" and self.filled >= 0.5 and self.links < 0.5
                and plain and not set(self.words) & _SKIP_WORDS)

    @property
    def is_key(self) -> bool:
        """An answer key: option letters or positions, meaningless without the options."""
        if self.kind == "label" and not all(label.isdigit() for label in self.labels):
            return False
        single = all(len(value) == 1 and value.isalnum() for value in self.labels)
        return self.kind in {"label", "number", "text"} and single

    @property
    def is_label(self) -> bool:
        """A classification target: a ClassLabel, a bool, a measure, or a short category-like text."""
        if self.kind in {"label", "bool"}:
            return True
        if self.kind == "number":
            return not any(word in _COUNT_WORDS or word.endswith("count") for word in self.words)
        qualified = self.head in {"label", "labels"} and len(self.words) > 1  # obj_label: an entity name
        return self.kind == "text" and self.head in LABEL_HEADS and self.mean_chars <= 30 and not qualified

    @property
    def is_text(self) -> bool:
        """Free text (a string or a list of strings) that is neither a label nor an answer key."""
        return self.kind in {"text", "string_list"} and not self.is_label and not self.is_key

    @property
    def is_code(self) -> bool:
        return self.kind == "text" and (self.role == "code" or self.code >= 0.5)

    @property
    def numbered(self) -> bool:
        return bool(re.search(r"\d$", self.name))


def profile_fields(source: TaskSource) -> dict[str, FieldProfile]:
    """Profile every field of the first sample row (validity rule 3 uses those keys, docs/method.md §7)."""
    return {name: _profile(name, source) for name in source.rows[0]}


def numbered_groups(fields: list[FieldProfile]) -> list[tuple[str, ...]]:
    """Groups of two or more numbered fields with the same name (answer0..answer3), in row order."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for f in fields:
        if f.numbered:
            groups.setdefault(f.words, []).append(f.name)
    return [tuple(group) for group in groups.values() if len(group) >= 2]


def _profile(name: str, source: TaskSource) -> FieldProfile:
    values = [row.get(name) for row in source.rows]
    present = [value for value in values if value is not None]
    texts = [" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in present]
    words = name_words(name)

    def share(test: Callable[[str], object]) -> float:
        return sum(1 for text in texts if test(text)) / len(values)

    return FieldProfile(
        name=name,
        kind=_kind(name, present, source.features),
        words=words,
        role=_role(words),
        labels=_label_names(name, source.features, texts),
        distinct=len(set(texts)),
        mean_chars=sum(map(len, texts)) / len(texts) if texts else 0.0,
        complete=len(present) == len(values) and all(map(_renderable, present)),
        filled=share(str.strip),
        prose=share(_is_wordy),
        links=share(lambda text: text.startswith(("http://", "https://"))),
        code=share(_CODE.search),
        idlike=share(_ID_VALUE.match),
    )


def _kind(name: str, values: list, features: dict) -> str:
    if not values or any(isinstance(value, dict) for value in values):
        return "nested"
    if all(isinstance(value, list) for value in values):
        return "string_list" if all(isinstance(v, str) for value in values for v in value) else "nested"
    if (features.get(name) or {}).get("_type") == "ClassLabel":
        return "label"
    for kind, types in (("bool", bool), ("number", (int, float)), ("text", str)):
        if all(isinstance(value, types) for value in values):
            return kind
    return "nested"


def _role(words: tuple[str, ...]) -> str:
    """The role named by the last meaningful word (`question_title` is a title, `answer_text` an
    answer); any options word makes a choices field (`candidate_answers`)."""
    heads = [word for word in words if word not in GENERIC_HEADS]
    if not heads:
        return "context" if words else "other"
    if set(heads) & _ROLES["choices"]:
        return "choices"
    return next((role for role, role_words in _ROLES.items() if heads[-1] in role_words), "other")


def _label_names(name: str, features: dict, texts: list[str]) -> tuple[str, ...]:
    feature = features.get(name) or {}
    if feature.get("_type") == "ClassLabel":
        return tuple(str(label) for label in feature.get("names") or ())
    return tuple(dict.fromkeys(texts))


def _is_wordy(text: str) -> bool:
    """Mostly letters (spaces and underscores aside): words rather than numbers or codes."""
    chars = [char for char in text if not char.isspace() and char != "_"]
    return len(chars) >= 2 and sum(char.isalpha() for char in chars) >= 0.7 * len(chars)


def _renderable(value: object) -> bool:
    if isinstance(value, list):
        return bool(value) and all(isinstance(item, str) for item in value)
    return not isinstance(value, dict)
