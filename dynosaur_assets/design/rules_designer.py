"""An offline, rule-based task designer: METHOD.md §2 without an LLM.

It reads what the LLM prompt carries (task name, sample rows, and the description for the aware
kind) plus the feature schema, and proposes up to three tasks per prompt kind from templates: choose
an answer among options, answer a question (from its passage), write code from a description and
describe code, fill a masked word, write a title or summary, classify a label, write a question,
write a text with a given label (the reverse task), expand a summary, and a generic text-to-text
task as the last resort. Field roles come from field names; dtypes, value lengths and cardinalities
come from the sample rows. Identifier, URL, date and bookkeeping fields, nested values, identifier-
like values and outputs that are constant in the sample are never proposed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from dynosaur_assets.method import MAX_TASKS_PER_PROMPT
from dynosaur_assets.tasks import TaskDesign, TaskSource

DESIGNER_NAME = "rules"
DESIGNER_VERSION = "1.0.0"
PROMPT_KINDS = ("aware", "unaware")

Wording = Callable[[str], str]  # prompt kind -> instruction

_SKIP_WORDS = {"id", "ids", "idx", "uuid", "guid", "qid", "uri", "url", "urls", "link", "date", "time",
               "timestamp", "timestamps", "split", "phase", "file", "path", "annotator", "worker", "rater",
               "submission", "license", "at"}
_GENERIC_HEADS = {"text", "body", "content", "line", "string", "str", "literal"}
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
_LABEL_HEADS = {"label", "labels", "category", "class", "topic", "type", "genre", "intent", "emotion",
                "sentiment", "relation", "rel", "level", "bias", "gender", "stance", "scenario", "domain",
                "judgment", "judgement", "polarity", "rating", "verdict", "job", "horoscope", "score", "age"}
_GENERIC_LABEL_HEADS = {"label", "labels", "class", "key"}
_COUNT_WORDS = {"count", "counts", "num", "number", "total", "index", "indices", "position", "start", "end",
                "length", "size", "year", "years", "iteration"}
_AUTHOR_WORDS = {"gender", "age", "job", "horoscope", "occupation"}
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
_LABEL_CONCEPTS = (
    ("sentiments?|polarity", "sentiment"), ("emotions?", "emotion"), ("hate\\w*", "hate speech"),
    ("offensive\\w*", "offensiveness"), ("irony|ironic|sarcas\\w*", "irony"), ("stances?", "stance"),
    ("emojis?", "emoji"), ("topics?", "topic"), ("intents?", "intent"), ("toxic\\w*", "toxicity"),
)
_EXPRESSED = {"sentiment", "emotion", "stance", "intent"}
_FLAG_CONCEPTS = {"hate speech", "offensiveness", "irony", "toxicity", "acceptability", "paraphrase"}
_NLI_NAMES = {"entailment", "contradiction", "entailed", "not_entailment", "not-entailed"}
_PARAPHRASE_NAMES = {"equivalent", "not_equivalent", "duplicate", "not_duplicate", "paraphrase"}
_SENTIMENT_NAMES = {"positive", "negative", "pos", "neg"}
_ACCEPTABILITY_NAMES = {"acceptable", "unacceptable"}
_NAMED_CONCEPTS = ((_SENTIMENT_NAMES, "sentiment"), (_NLI_NAMES, "relation"),
                   (_PARAPHRASE_NAMES, "paraphrase"), (_ACCEPTABILITY_NAMES, "acceptability"))
_LANGUAGES = {"python": "Python", "java": "Java", "javascript": "JavaScript", "php": "PHP", "ruby": "Ruby",
              "sql": "SQL", "sparql": "SPARQL"}
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
        return self.kind == "text" and self.head in _LABEL_HEADS and self.mean_chars <= 30 and not qualified

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
        groups = _numbered_groups([f for f in fields if f.kind == "text" and f.role in {"answer", "choices"}])
        return groups[-1] if groups and any(f.is_key for f in fields) else ()

    def noun(self, name: str, prompt_kind: str) -> str:
        """What a field holds: a known noun for a one-word name (`context` -> `passage`), the dataset's
        subject for a generic one (`text`), else the name in words; `first` / `second` for a
        numbered pair."""
        field = self.fields[name]
        core = [word for word in field.words if word not in _GENERIC_HEADS]
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


def design_tasks(source: TaskSource, prompt_kind: str) -> list[TaskDesign]:
    """§2 offline: up to three tasks for one prompt kind.

    The aware kind proposes nothing when the description is empty (the original skipped that
    prompt); the unaware kind prefers tasks the aware kind did not take, so that together they give
    more distinct tasks."""
    if prompt_kind not in PROMPT_KINDS:
        raise ValueError(f"unknown prompt kind {prompt_kind!r}")
    described = bool(source.description.strip())
    if not source.rows or (prompt_kind == "aware" and not described):
        return []
    ranked = rank_candidates(candidate_tasks(DesignContext(source, profile_fields(source))))
    aware = ranked[:MAX_TASKS_PER_PROMPT] if described else []
    picks = aware if prompt_kind == "aware" else [c for c in ranked if c not in aware] + aware
    return _worded(picks, prompt_kind)


def profile_fields(source: TaskSource) -> dict[str, FieldProfile]:
    """Profile every field of the first sample row (validity rule 3 uses those keys, §7)."""
    return {name: _profile(name, source) for name in source.rows[0]}


def candidate_tasks(context: DesignContext) -> list[Candidate]:
    """Every template's proposals for this source; the generic one covers the outputs left over."""
    templates = (choose_answer, answer_question, write_code, fill_mask, write_title_or_summary,
                 classify_label, write_question, write_with_label, expand_summary)
    specific = [candidate for template in templates for candidate in template(context)]
    return specific + generic_generation(context, {c.output for c in specific})


def rank_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """Best score first; one candidate per (template, output) and per (input set, output)."""
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if not any(_same_task(candidate, other) for other in kept):
            kept.append(candidate)
    return kept


def subject_noun(source: TaskSource, prompt_kind: str) -> str:
    """The kind of text a dataset holds: from the pretty name and description (aware) or the task
    name (unaware), whichever keyword comes first; `text` when none fits."""
    text = source.task_name.replace("_", " ").replace("-", " ")
    if prompt_kind == "aware":
        text = f"{source.pretty_name} {source.description[:1000]}"
    return _first_match(_SUBJECTS, text) or "text"


def name_words(name: str) -> tuple[str, ...]:
    """`question_1` -> (question,), `dialogId` -> (dialog, id), `Question-ID` -> (question, id)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return tuple(re.findall(r"[a-z]+", spaced.lower()))


def humanize(name: str) -> str:
    """A field name as words: `headline_category` -> `headline category`."""
    return " ".join(name_words(name)) or name


def plural(noun: str) -> str:
    """`question` -> `questions`, `hypothesis` -> `hypotheses`, `query` -> `queries`."""
    if noun.endswith("is"):
        return noun[:-2] + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"


def with_article(noun: str) -> str:
    """`a tweet`, `an emotion`."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def or_list(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# --- field profiles -------------------------------------------------------------------------------


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
    heads = [word for word in words if word not in _GENERIC_HEADS]
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


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _adjective(flag: FieldProfile) -> str:
    """A one-word bool name as an adjective (`hyperpartisan`), else empty."""
    words = [word for word in flag.words if word not in {"is", "has"}]
    return words[0] if len(words) == 1 else ""


def _numbered_groups(fields: list[FieldProfile]) -> list[tuple[str, ...]]:
    """Groups of two or more numbered fields with the same name (answer0..answer3), in row order."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for f in fields:
        if f.numbered:
            groups.setdefault(f.words, []).append(f.name)
    return [tuple(group) for group in groups.values() if len(group) >= 2]


def _first_match(patterns: tuple[tuple[str, str], ...], text: str) -> str:
    """The value of the pattern found earliest in `text`, or empty."""
    found = [(match.start(), value) for pattern, value in patterns
             for match in [re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE)] if match]
    return min(found)[1] if found else ""


def _same_task(candidate: Candidate, other: Candidate) -> bool:
    return candidate.output == other.output and (
        candidate.template == other.template or set(candidate.inputs) == set(other.inputs))


def _worded(candidates: list[Candidate], prompt_kind: str) -> list[TaskDesign]:
    """The first three candidates with distinct instructions, as tasks (validity rule 5)."""
    tasks: list[TaskDesign] = []
    for candidate in candidates:
        instruction = candidate.wording(prompt_kind)
        if instruction not in {task.instruction for task in tasks}:
            tasks.append(TaskDesign(instruction, list(candidate.inputs), [candidate.output]))
    return tasks[:MAX_TASKS_PER_PROMPT]


def _pick(prompt_kind: str, aware: str, unaware: str) -> str:
    return aware if prompt_kind == "aware" else unaware


# --- templates ------------------------------------------------------------------------------------


def choose_answer(context: DesignContext) -> list[Candidate]:
    """Pick the right option: a question or sentence, the options (a list or numbered fields), a key."""
    options = context.options or _candidate_texts(context)
    stems = [f.name for f in context.texts(set(options))
             if f.role in {"question", "context"} and f.kind == "text"]
    keys = [f for f in context.outputs() if f.name not in options and _is_answer_key(context, f, options)]
    if not options or not stems or not keys:
        return []
    reply = _key_reply(keys[0])

    def wording(kind: str) -> str:
        read = context.phrase(tuple(stems[:2]), kind)
        return _pick(kind, f"Read {read} and choose the correct answer among the options. {reply}",
                     f"Given {read}, choose the correct option. {reply}")

    return [Candidate("choose", (*stems[:2], *options), keys[0].name, 10, wording)]


def _candidate_texts(context: DesignContext) -> tuple[str, ...]:
    """The last of two or more numbered text groups (observation_1/2, then hypothesis_1/2): the
    candidates a key picks from, the earlier groups being the context."""
    groups = _numbered_groups([f for f in context.texts() if f.kind == "text"])
    return groups[-1] if len(groups) >= 2 else ()


def _is_answer_key(context: DesignContext, key: FieldProfile, options: tuple[str, ...]) -> bool:
    """Option letters or positions, or the text of one option in every sample row."""
    if key.is_key:
        return True
    if key.kind != "text" or len(options) != 1:
        return False
    return all(row.get(key.name) in (row.get(options[0]) or []) for row in context.source.rows)


def _key_reply(key: FieldProfile) -> str:
    if all(label.isdigit() for label in key.labels):
        return "Reply with the number of the correct option."
    if all(len(label) == 1 and label.isalpha() for label in key.labels):
        return "Reply with the letter of the correct option (A for the first one)."
    return "Reply with the text of the correct option."


def answer_question(context: DesignContext) -> list[Candidate]:
    """Answer a question from its passage, or on its own (solve a problem)."""
    questions = [f for f in context.texts() if f.role == "question" and f.kind == "text"]
    outputs = [f for f in context.outputs() if f.role == "answer" and f.kind == "text"
               and not f.numbered and not f.is_key and not f.is_code]
    if not questions or not outputs:
        return []
    question = questions[0]
    passage = _passage(context, question)
    inputs = (passage.name, question.name) if passage else (question.name,)
    return [Candidate("answer", inputs, output.name, 9.5 - i, _answer_wording(context, inputs, output))
            for i, output in enumerate(outputs[:2])]


def _passage(context: DesignContext, question: FieldProfile) -> FieldProfile | None:
    """The longest context-like text that is longer than the question."""
    passages = [f for f in context.texts({question.name})
                if f.role == "context" and f.mean_chars > question.mean_chars]
    return max(passages, key=lambda f: f.mean_chars, default=None)


def _answer_wording(context: DesignContext, inputs: tuple[str, ...], output: FieldProfile) -> Wording:
    def wording(kind: str) -> str:
        question = context.noun(inputs[-1], kind)
        steps = " Explain the steps that lead to the answer." if _worked_solution(context, output) else ""
        if len(inputs) > 1:
            passage = context.noun(inputs[0], kind)
            read = f"Read the {passage} and answer the {question} using the information it contains."
            return _pick(kind, read, f"Answer the {question} about the {passage}.") + steps
        if question == "problem":
            return _pick(kind, f"Solve the {subject_noun(context.source, kind)}.", "Solve the problem.") + steps
        return _pick(kind, f"Answer the {question}.", f"Give the answer to the {question}.") + steps

    return wording


def _worked_solution(context: DesignContext, answer: FieldProfile) -> bool:
    """Long answers that mostly show calculations (`=`), as in math word problems."""
    values = [str(row.get(answer.name)) for row in context.source.rows]
    return answer.mean_chars > 150 and sum("=" in value for value in values) * 2 >= len(values)


def write_code(context: DesignContext) -> list[Candidate]:
    """Write the code that a prose description asks for, and the reverse: describe the code."""
    codes = [f for f in context.outputs() if f.is_code and f.mean_chars >= 10]
    descriptions = [f for f in context.texts()
                    if f.role in {"question", "context"} and f.prose >= 0.5 and not f.is_code]
    if not codes or not descriptions:
        return []
    code, description = codes[0], sorted(descriptions, key=lambda f: f.role != "question")[0]
    language = _language(context.source, code)

    def described(kind: str) -> str:
        noun = context.noun(description.name, kind)
        return "description" if noun in {"text", "code"} else noun

    def to_code(kind: str) -> str:
        noun = described(kind)
        return _pick(kind, f"Write the {language} code that does what the {noun} describes.",
                     f"Given the {noun}, write {language} code that does what it asks.")

    def to_description(kind: str) -> str:
        return _pick(kind, f"Read the {language} code and write the {described(kind)} that says what it does.",
                     f"Explain in plain words what the {language} code does.")

    return [Candidate("write_code", (description.name,), code.name, 9.5, to_code),
            Candidate("describe_code", (code.name,), description.name, 7, to_description)]


def _language(source: TaskSource, code: FieldProfile) -> str:
    """The programming language named by the code field, the task name or the description."""
    text = f"{humanize(code.name)} {source.task_name} {source.description[:300]}".replace("_", " ")
    found = _first_match(tuple((name, name) for name in _LANGUAGES), text.replace("-", " "))
    return _LANGUAGES.get(found, "program")


def fill_mask(context: DesignContext) -> list[Candidate]:
    """Fill a masked word: a sentence with a [MASK] and a short answer field (object fields first)."""
    masked = [f for f in context.texts() if "masked" in f.words]
    answers = [f for f in context.outputs() if f.kind == "text" and f.mean_chars <= 30
               and set(f.words) & {"obj", "label", "answer", "target", "word"}]
    if not masked or not answers:
        return []
    answer = sorted(answers, key=lambda f: "obj" not in f.words)[0]

    def wording(kind: str) -> str:
        return _pick(kind, "Read the sentence and write the word or short phrase that should replace [MASK].",
                     "Fill in the [MASK] token of the sentence with the missing word or phrase.")

    return [Candidate("fill_mask", (masked[0].name,), answer.name, 9, wording)]


def write_title_or_summary(context: DesignContext) -> list[Candidate]:
    """Write a title, headline, subject line or summary of a longer text."""
    candidates = []
    targets = [f for f in context.outputs() if f.role in {"title", "summary"} and f.is_text and f.prose >= 0.5]
    for target in targets:
        sources = [f for f in context.texts({target.name})
                   if f.prose >= 0.5 and f.mean_chars > target.mean_chars
                   and f.role not in {"title", "summary", "question", "answer"}]
        source = max(sources, key=lambda f: f.mean_chars, default=None)
        if source is not None:
            candidates.append(Candidate("title_summary", (source.name,), target.name, 9,
                                        _title_wording(context, source, target)))
    return candidates


def _title_wording(context: DesignContext, source: FieldProfile, target: FieldProfile) -> Wording:
    def wording(kind: str) -> str:
        noun, what = context.noun(source.name, kind), humanize(target.name)
        if target.role == "summary":
            return _pick(kind, f"Read the {noun} and write its {what}: a short text with only the main points.",
                         f"Summarize the {noun} by writing its {what}.")
        return _pick(kind, f"Read the {noun} and write a fitting {what} for it.",
                     f"Write a {what} for the {noun}.")

    return wording


def classify_label(context: DesignContext) -> list[Candidate]:
    """Predict a label (ClassLabel, bool, measure or short category) from the free-text fields; an
    answer key is left to `choose_answer` when there are options."""
    has_options = bool(context.options or _candidate_texts(context))
    candidates = []
    for label in context.outputs():
        if not label.is_label or (label.is_key and (has_options or label.kind != "label")):
            continue
        inputs = _classification_inputs(context, label)
        if inputs:
            score = 9 if label.kind in {"label", "bool"} else 7
            candidates.append(Candidate("classify", inputs, label.name, score,
                                        _classify_wording(context, inputs, label)))
    return candidates


def _classification_inputs(context: DesignContext, label: FieldProfile) -> tuple[str, ...]:
    """The texts a label is about: a premise / hypothesis pair, else the texts that are not titles,
    summaries, code or (unless the label judges a question's answer) answers; numbers help when
    there is at most one text."""
    texts = context.texts({label.name})
    heads = {f.head: f.name for f in texts}
    if "premise" in heads and "hypothesis" in heads:
        return heads["premise"], heads["hypothesis"]
    has_question = any(f.role == "question" for f in texts)
    main = [f for f in texts if f.role not in {"title", "summary", "code"}
            and (f.role != "answer" or (has_question and label.head == "label"))]
    if len(main) <= 1:
        main += [f for f in context.usable({label.name}) if f.kind == "number" and not f.is_label]
    return tuple(f.name for f in main[:4])


def _classify_wording(context: DesignContext, inputs: tuple[str, ...], label: FieldProfile) -> Wording:
    def wording(kind: str) -> str:
        read, decision = context.phrase(inputs, kind), _decision(context, label, inputs, kind)
        return _pick(kind, f"Read {read} and {decision}.", f"Given {read}, {decision}.")

    return wording


def _decision(context: DesignContext, label: FieldProfile, inputs: tuple[str, ...], kind: str) -> str:
    """What the reader must decide, worded from the label's names, its field name or the task."""
    several = len(inputs) > 1
    it, them, its, is_ = ("they", "them", "their", "are") if several else ("it", "it", "its", "is")
    names = {name.lower() for name in label.labels}
    if names & _NLI_NAMES and several:
        return _nli_decision(context, inputs, names, kind)
    if names & _PARAPHRASE_NAMES:
        return f"decide whether {it} {is_} " + ("paraphrases of each other" if several else "a paraphrase")
    if names & _ACCEPTABILITY_NAMES:
        return f"decide whether {it} {is_} grammatically acceptable English"
    if label.kind == "bool":
        adjective = _adjective(label)
        if adjective:
            return f"decide whether {it} {is_} {adjective}"
        return f"decide whether '{humanize(label.name)}' is true or false for {them}"
    if label.kind == "label" and all(name.isdigit() for name in label.labels):
        return f"assign {them} the right label ({or_list(label.labels)})"
    owner = "the author's" if label.head in _AUTHOR_WORDS else its
    if label.kind == "number" or all(map(_is_float, label.labels)):
        score = "" if label.head in _LABEL_HEADS else " score"
        return f"estimate {owner} {humanize(label.name)}{score}"
    concept = label_concept(context, label, kind)
    named = label.kind == "label" and 1 < len(label.labels) <= 3
    options = f" ({or_list(label.labels)})" if named else ""
    if concept in _EXPRESSED:
        return f"identify the {concept} {it} {'express' if several else 'expresses'}{options}"
    if concept in _FLAG_CONCEPTS:
        return f"identify {its} {concept} label{options}"
    return f"identify {owner} {concept}{options}"


def _nli_decision(context: DesignContext, inputs: tuple[str, ...], names: set[str], kind: str) -> str:
    first, second = (context.noun(name, kind) for name in inputs[:2])
    if context.fields[inputs[0]].role == "question":
        return f"decide whether the {second} contains the answer to the {first}"
    neither = ", contradicts it, or neither" if "contradiction" in names else ""
    return f"decide whether the {first} entails the {second}{neither}"


def label_concept(context: DesignContext, label: FieldProfile, kind: str) -> str:
    """What a label means: its field name, unless that is generic (`label`); then its names, the task
    name, or (aware) the start of the description; `category` when nothing says more."""
    if label.head not in _GENERIC_LABEL_HEADS:
        return humanize(label.name)
    names = {name.lower() for name in label.labels}
    if names & {"pos", "neg"} and any(f.kind == "number" for f in context.usable()):
        names -= {"pos", "neg"}  # positive / negative examples of something, not sentiment
    for known, concept in _NAMED_CONCEPTS:
        if names & known:
            return concept
    source = context.source
    concept = _first_match(_LABEL_CONCEPTS, source.task_name.replace("_", " "))
    if not concept and kind == "aware":
        concept = _first_match(_LABEL_CONCEPTS, f"{source.pretty_name}. {source.description[:300]}")
    return concept or "category"


def write_question(context: DesignContext) -> list[Candidate]:
    """Write a question about a passage, or one that the given (flat) answer answers."""
    questions = [f for f in context.outputs() if f.role == "question" and f.is_text]
    if not questions:
        return []
    question = questions[0]
    passage = _passage(context, question)
    answers = [f for f in context.texts({question.name}) if f.role == "answer" and not f.numbered]
    if passage is None and not answers:
        return []
    inputs = tuple(f.name for f in [passage, *answers[:1]] if f is not None)
    return [Candidate("write_question", inputs, question.name, 8,
                      _question_wording(context, question, passage, bool(answers)))]


def _question_wording(context: DesignContext, question: FieldProfile, passage: FieldProfile | None,
                      answered: bool) -> Wording:
    def wording(kind: str) -> str:
        asked = with_article(context.noun(question.name, kind))
        if passage is None:
            return _pick(kind, f"Write {asked} that has the given answer.",
                         f"Given an answer, write {asked} that it answers.")
        noun = context.noun(passage.name, kind)
        if answered:
            return _pick(kind, f"Read the {noun} and write {asked} about it whose answer is the given answer.",
                         f"Given the {noun} and an answer, write {asked} that the answer answers.")
        return _pick(kind, f"Read the {noun} and write {asked} that it answers.",
                     f"Write {asked} about the {noun}.")

    return wording


def write_with_label(context: DesignContext) -> list[Candidate]:
    """The reverse task: write a text that has the given label (and relation to the other text)."""
    labels = [f for f in context.usable() if _reversible_label(f)]
    targets = [f for f in context.outputs() if f.is_text and f.prose >= 0.5 and 15 <= f.mean_chars <= 1500
               and f.role in {"context", "question", "title"}]
    if not labels or not targets:
        return []
    label = labels[0]
    bodies = [f for f in targets if f.role != "title"]
    target = bodies[-1] if bodies else targets[0]
    partners = [f.name for f in context.texts({target.name}) if f.role in {"context", "question"}]
    paired = {name.lower() for name in label.labels} & (_NLI_NAMES | _PARAPHRASE_NAMES) and partners
    inputs = (partners[0], label.name) if paired else (label.name,)
    return [Candidate("write_with_label", inputs, target.name, 6.5,
                      _reverse_wording(context, inputs, label, target))]


def _reversible_label(label: FieldProfile) -> bool:
    """A label worth writing a text for: named classes (two or more), a one-word flag, or a category
    that varies in the sample; not an answer key or a measure."""
    if label.kind == "label":
        return len(label.labels) > 1 and not all(name.isdigit() for name in label.labels)
    if label.kind == "bool":
        return bool(_adjective(label))
    return label.is_label and label.kind == "text" and label.distinct > 1 and not label.is_key


def _reverse_wording(context: DesignContext, inputs: tuple[str, ...], label: FieldProfile,
                     target: FieldProfile) -> Wording:
    def wording(kind: str) -> str:
        text = with_article(context.noun(target.name, kind))
        if len(inputs) > 1:
            other = context.noun(inputs[0], kind)
            relation = f"relation ({or_list(label.labels)})" if len(label.labels) <= 3 else "relation"
            given = f"Given {with_article(other)} and a {relation}"
            return _pick(kind, f"Write {text} that has the given {relation} to the given {other}.",
                         f"{given}, write {text} with that relation to it.")
        if label.kind == "bool":
            adjective = _adjective(label)
            return f"Write {text} that is {adjective} when the label is True and is not when it is False."
        concept = label_concept(context, label, kind)
        verb = "expresses" if concept in _EXPRESSED else "matches"
        concept += " label" if concept in _FLAG_CONCEPTS else ""
        return _pick(kind, f"Write {text} that {verb} the given {concept}.",
                     f"Given {with_article(concept)}, write {text} that {verb} it.")

    return wording


def expand_summary(context: DesignContext) -> list[Candidate]:
    """The reverse of summarizing: write the full text from its title or summary."""
    summaries = [f for f in context.texts() if f.role in {"summary", "title"} and f.prose >= 0.5]
    bodies = [f for f in context.outputs() if f.is_text and f.role == "context" and f.mean_chars > 80]
    if not summaries or not bodies:
        return []
    summary, body = summaries[0], max(bodies, key=lambda f: f.mean_chars)

    def wording(kind: str) -> str:
        noun, what = context.noun(body.name, kind), humanize(summary.name)
        return _pick(kind, f"Write {with_article(noun)} that develops the points of the given {what}.",
                     f"Expand the {what} into a full {noun}.")

    return [Candidate("expand", (summary.name,), body.name, 5, wording)]


def generic_generation(context: DesignContext, covered: set[str]) -> list[Candidate]:
    """The last resort: write a text field that no other template produces, from up to two other
    texts that together say something (at least a few characters)."""
    candidates = []
    for output in [f for f in context.outputs() if f.is_text and f.kind == "text" and f.name not in covered]:
        given = [f for f in context.texts({output.name}) if f.role != "choices"][:2]
        if sum(f.mean_chars for f in given) >= 8:
            inputs = tuple(f.name for f in given)
            candidates.append(Candidate("generic", inputs, output.name, 3 + min(output.distinct, 5) / 10,
                                        _generic_wording(context, inputs, output)))
    return candidates


def _generic_wording(context: DesignContext, inputs: tuple[str, ...], output: FieldProfile) -> Wording:
    def wording(kind: str) -> str:
        read, what = context.phrase(inputs, kind), humanize(output.name)
        return _pick(kind, f"Read {read} and write the matching {what}.",
                     f"Given {read}, write the corresponding {what}.")

    return wording
