"""What the templates read and what they propose: a task source with its field profiles and field
groups, the nouns its fields and texts are called by, and a candidate task."""

from collections.abc import Callable
from dataclasses import dataclass

from dynosaur_assets.design.rules.english import and_list, first_match, humanize, plural
from dynosaur_assets.design.rules.profile import GENERIC_HEADS, FieldProfile, numbered_groups
from dynosaur_assets.method import PROMPT_DESCRIPTION_CHARS
from dynosaur_assets.tasks import TaskSource

Wording = Callable[[str], str]  # prompt kind -> instruction

_ORDINALS = ("first", "second", "third", "fourth", "fifth")
_NOUNS = {
    "tweet": "tweet", "review": "review", "article": "article", "email": "email", "question": "question",
    "questions": "questions", "sentence": "sentence", "premise": "premise", "hypothesis": "hypothesis",
    "document": "document", "passage": "passage", "paragraph": "paragraph", "para": "paragraph",
    "context": "passage", "story": "story", "dialogue": "dialogue", "dialog": "dialogue",
    "turns": "dialogue", "messages": "conversation", "abstract": "abstract", "problem": "problem",
    "prompt": "prompt", "propmt": "prompt", "stem": "question", "code": "code", "comment": "comment",
    "post": "post", "headline": "headline", "snippet": "passage", "event": "event",
}
_SUBJECTS = (
    ("tweets?|twitter", "tweet"), ("movie reviews?", "movie review"), ("product reviews?", "product review"),
    ("reviews?", "review"), ("news", "news article"), ("e-?mails?", "email"), ("blogs?", "blog post"),
    ("forums?", "forum post"), ("comments?", "comment"), ("dialog(?:ue)?s?|conversations?", "dialogue"),
    ("stor(?:y|ies)", "story"), ("bills?|legislation", "bill"), ("quer(?:y|ies)", "query"),
    ("books?|novels?", "book passage"), ("math\\w*", "math problem"), ("python|programming", "code"),
)


@dataclass(frozen=True)
class Candidate:
    """A proposed task, with the function that words its instruction for a prompt kind."""

    template: str
    inputs: tuple[str, ...]
    output: str
    score: float
    wording: Wording


@dataclass(frozen=True)
class DesignContext:
    """A task source with its field profiles, and the field groups the templates draw from."""

    source: TaskSource
    fields: dict[str, FieldProfile]

    def usable(self, exclude: set[str] = frozenset()) -> list[FieldProfile]:
        return [f for f in self.fields.values() if f.usable and f.name not in exclude]

    def outputs(self) -> list[FieldProfile]:
        """Fields a task may output: usable scalars that vary across the sample rows, not options."""
        several = len(self.source.rows) > 1
        return [f for f in self.usable(set(self.options))
                if f.kind != "string_list" and (f.distinct > 1 or not several)]

    def texts(self, exclude: set[str] = frozenset()) -> list[FieldProfile]:
        """Free-text inputs; the options of a multiple-choice set only serve `choose_answer`."""
        return [f for f in self.usable(exclude | set(self.options)) if f.is_text]

    @property
    def options(self) -> tuple[str, ...]:
        """A list-of-strings options field, or the last group of numbered answer fields (answer0 ..
        answer3) when an answer key (letters or positions) picks one of them."""
        fields = [f for f in self.fields.values() if f.usable]
        lists = [f.name for f in fields if f.kind == "string_list" and f.role == "choices"]
        if lists:
            return (lists[0],)
        groups = numbered_groups([f for f in fields if f.kind == "text" and f.role in {"answer", "choices"}])
        return groups[-1] if groups and any(f.is_key for f in fields) else ()

    @property
    def candidate_texts(self) -> tuple[str, ...]:
        """The last of two or more numbered text groups (observation_1/2, then hypothesis_1/2): the
        candidates a key picks from, the earlier groups being the context."""
        groups = numbered_groups([f for f in self.texts() if f.kind == "text"])
        return groups[-1] if len(groups) >= 2 else ()

    def noun(self, name: str, prompt_kind: str) -> str:
        """What a field holds: a known noun for a one-word name (`context` -> `passage`), the dataset's
        subject for a generic one (`text`), else the name in words; `first` / `second` for a
        numbered pair."""
        field = self.fields[name]
        core = [word for word in field.words if word not in GENERIC_HEADS]
        if not core:
            return subject_noun(self.source, prompt_kind)
        noun = _NOUNS.get(core[0], humanize(name)) if len(core) == 1 else humanize(name)
        siblings = sorted(f.name for f in self.fields.values() if f.words == field.words)
        if field.numbered and 1 < len(siblings) <= len(_ORDINALS):
            return f"{_ORDINALS[siblings.index(name)]} {noun}"
        return noun

    def phrase(self, names: tuple[str, ...], prompt_kind: str) -> str:
        """`the tweet`, `the two questions`, `the premise and the hypothesis`."""
        nouns = [self.noun(name, prompt_kind) for name in names]
        if len(set(nouns)) < len(nouns) and (len(nouns) > 2 or "text" in nouns):
            nouns = [humanize(name) for name in names]
        if len(nouns) == 2 and nouns[0] == nouns[1]:
            return f"the two {plural(nouns[0])}"
        return and_list([f"the {noun}" for noun in nouns])


def subject_noun(source: TaskSource, prompt_kind: str) -> str:
    """The kind of text a dataset holds: from the pretty name and the description as the aware prompt
    carries it (docs/method.md §2) or the task name (unaware), whichever keyword comes first; `text` when
    none fits."""
    text = source.task_name.replace("_", " ").replace("-", " ")
    if prompt_kind == "aware":
        text = f"{source.pretty_name} {source.description[:PROMPT_DESCRIPTION_CHARS]}"
    return first_match(_SUBJECTS, text) or "text"
