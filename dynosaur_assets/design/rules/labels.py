"""Candidate task templates about labels: classify a label from the texts it is about, and the
reverse, write a text that has a given label; with what a label means (its concept)."""

from dynosaur_assets.design.rules.context import Candidate, DesignContext, Wording
from dynosaur_assets.design.rules.english import first_match, humanize, or_list, with_article
from dynosaur_assets.design.rules.profile import LABEL_HEADS, FieldProfile
from dynosaur_assets.design.rules.wordings import ONE_TEXT, SEVERAL_TEXTS, clause, instruction

_GENERIC_LABEL_HEADS = {"label", "labels", "class", "key"}
_AUTHOR_WORDS = {"gender", "age", "job", "horoscope", "occupation"}
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


def classify_label(context: DesignContext) -> list[Candidate]:
    """Predict a label (ClassLabel, bool, measure or short category) from the free-text fields; an
    answer key is left to `choose_answer` when there are options."""
    has_options = bool(context.options or context.candidate_texts)
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
        return instruction("classify", kind, read=context.phrase(inputs, kind),
                           decision=_decision(context, label, inputs, kind))

    return wording


def _decision(context: DesignContext, label: FieldProfile, inputs: tuple[str, ...], kind: str) -> str:
    """What the reader must decide, worded from the label's names, its field name or the task."""
    several = len(inputs) > 1
    forms = SEVERAL_TEXTS if several else ONE_TEXT
    names = {name.lower() for name in label.labels}
    if names & _NLI_NAMES and several:
        return _nli_decision(context, inputs, names, kind)
    if names & _PARAPHRASE_NAMES:
        return clause("paraphrases" if several else "paraphrase")
    if names & _ACCEPTABILITY_NAMES:
        return clause("acceptable", **forms)
    if label.kind == "bool":
        adjective = _adjective(label)
        if adjective:
            return clause("flag", adjective=adjective, **forms)
        return clause("true_or_false", label=humanize(label.name), **forms)
    if label.kind == "label" and all(name.isdigit() for name in label.labels):
        return clause("numbered_label", labels=or_list(label.labels), **forms)
    owner = "the author's" if label.head in _AUTHOR_WORDS else forms["their"]
    if label.kind == "number" or all(map(_is_float, label.labels)):
        score = "" if label.head in LABEL_HEADS else " score"
        return clause("estimate", owner=owner, measure=humanize(label.name) + score)
    concept = label_concept(context, label, kind)
    named = label.kind == "label" and 1 < len(label.labels) <= 3
    options = f" ({or_list(label.labels)})" if named else ""
    if concept in _EXPRESSED:
        return clause("expressed", concept=concept, options=options, **forms)
    if concept in _FLAG_CONCEPTS:
        return clause("flag_label", concept=concept, options=options, **forms)
    return clause("concept", owner=owner, concept=concept, options=options)


def _nli_decision(context: DesignContext, inputs: tuple[str, ...], names: set[str], kind: str) -> str:
    first, second = (context.noun(name, kind) for name in inputs[:2])
    if context.fields[inputs[0]].role == "question":
        return clause("contains_answer", first=first, second=second)
    return clause("entails_or_contradicts" if "contradiction" in names else "entails",
                  first=first, second=second)


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
    concept = first_match(_LABEL_CONCEPTS, source.task_name.replace("_", " "))
    if not concept and kind == "aware":
        concept = first_match(_LABEL_CONCEPTS, f"{source.pretty_name}. {source.description[:300]}")
    return concept or "category"


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
        a_text = with_article(context.noun(target.name, kind))
        if len(inputs) > 1:
            other = context.noun(inputs[0], kind)
            relation = f"relation ({or_list(label.labels)})" if len(label.labels) <= 3 else "relation"
            return instruction("text_with_relation", kind, a_text=a_text, relation=relation, other=other,
                               a_other=with_article(other))
        if label.kind == "bool":
            return instruction("text_with_flag", kind, a_text=a_text, adjective=_adjective(label))
        concept = label_concept(context, label, kind)
        verb = "expresses" if concept in _EXPRESSED else "matches"
        concept += " label" if concept in _FLAG_CONCEPTS else ""
        return instruction("text_with_label", kind, a_text=a_text, verb=verb, concept=concept,
                           a_concept=with_article(concept))

    return wording


def _adjective(flag: FieldProfile) -> str:
    """A one-word bool name as an adjective (`hyperpartisan`), else empty."""
    words = [word for word in flag.words if word not in {"is", "has"}]
    return words[0] if len(words) == 1 else ""


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
