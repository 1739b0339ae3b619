"""Candidate task templates about texts: choose an answer among options, answer a question, write
and describe code, fill a masked word, write a title or summary, write a question, expand a summary,
and the generic text-to-text task. Each proposes candidates with a score; the wordings come from
`wordings.INSTRUCTIONS`."""

from dynosaur_assets.design.rules.context import Candidate, DesignContext, Wording, subject_noun
from dynosaur_assets.design.rules.english import first_match, humanize, with_article
from dynosaur_assets.design.rules.profile import FieldProfile
from dynosaur_assets.design.rules.wordings import clause, instruction
from dynosaur_assets.tasks import TaskSource

_LANGUAGES = {"python": "Python", "java": "Java", "javascript": "JavaScript", "php": "PHP", "ruby": "Ruby",
              "sql": "SQL", "sparql": "SPARQL"}


def choose_answer(context: DesignContext) -> list[Candidate]:
    """Pick the right option: a question or sentence, the options (a list or numbered fields), a key."""
    options = context.options or context.candidate_texts
    stems = [f.name for f in context.texts(set(options))
             if f.role in {"question", "context"} and f.kind == "text"]
    keys = [f for f in context.outputs() if f.name not in options and _is_answer_key(context, f, options)]
    if not options or not stems or not keys:
        return []
    reply = _key_reply(keys[0])

    def wording(kind: str) -> str:
        return instruction("choose", kind, read=context.phrase(tuple(stems[:2]), kind), reply=reply)

    return [Candidate("choose", (*stems[:2], *options), keys[0].name, 10, wording)]


def _is_answer_key(context: DesignContext, key: FieldProfile, options: tuple[str, ...]) -> bool:
    """Option letters or positions, or the text of one option in every sample row."""
    if key.is_key:
        return True
    if key.kind != "text" or len(options) != 1:
        return False
    return all(row.get(key.name) in (row.get(options[0]) or []) for row in context.source.rows)


def _key_reply(key: FieldProfile) -> str:
    if all(label.isdigit() for label in key.labels):
        return clause("reply_number")
    if all(len(label) == 1 and label.isalpha() for label in key.labels):
        return clause("reply_letter")
    return clause("reply_text")


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
    steps = f" {clause('worked_steps')}" if _worked_solution(context, output) else ""

    def wording(kind: str) -> str:
        question = context.noun(inputs[-1], kind)
        if len(inputs) > 1:
            passage = context.noun(inputs[0], kind)
            return instruction("answer_from_passage", kind, passage=passage, question=question) + steps
        if question == "problem":
            return instruction("solve_problem", kind, subject=subject_noun(context.source, kind)) + steps
        return instruction("answer", kind, question=question) + steps

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
        return instruction("write_code", kind, language=language, description=described(kind))

    def to_description(kind: str) -> str:
        return instruction("describe_code", kind, language=language, description=described(kind))

    return [Candidate("write_code", (description.name,), code.name, 9.5, to_code),
            Candidate("describe_code", (code.name,), description.name, 7, to_description)]


def _language(source: TaskSource, code: FieldProfile) -> str:
    """The programming language named by the code field, the task name or the description."""
    text = f"{humanize(code.name)} {source.task_name} {source.description[:300]}".replace("_", " ")
    found = first_match(tuple((name, name) for name in _LANGUAGES), text.replace("-", " "))
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
        return instruction("fill_mask", kind)

    return [Candidate("fill_mask", (masked[0].name,), answer.name, 9, wording)]


def write_title_or_summary(context: DesignContext) -> list[Candidate]:
    """Write a title, headline, subject line or summary of a longer text."""
    candidates = []
    targets = [f for f in context.outputs()
               if f.role in {"title", "summary"} and f.is_text and f.prose >= 0.5]
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
        text, what = context.noun(source.name, kind), humanize(target.name)
        if target.role == "summary":
            return instruction("summarize", kind, text=text, summary=what)
        return instruction("write_title", kind, text=text, title=what)

    return wording


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
        a_question = with_article(context.noun(question.name, kind))
        if passage is None:
            return instruction("question_for_answer", kind, a_question=a_question)
        return instruction("question_for_passage_and_answer" if answered else "question_for_passage", kind,
                           passage=context.noun(passage.name, kind), a_question=a_question)

    return wording


def expand_summary(context: DesignContext) -> list[Candidate]:
    """The reverse of summarizing: write the full text from its title or summary."""
    summaries = [f for f in context.texts() if f.role in {"summary", "title"} and f.prose >= 0.5]
    bodies = [f for f in context.outputs() if f.is_text and f.role == "context" and f.mean_chars > 80]
    if not summaries or not bodies:
        return []
    summary, body = summaries[0], max(bodies, key=lambda f: f.mean_chars)

    def wording(kind: str) -> str:
        text = context.noun(body.name, kind)
        what = humanize(summary.name)
        return instruction("expand", kind, text=text, a_text=with_article(text), summary=what)

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
        return instruction("generic", kind, read=context.phrase(inputs, kind), output=humanize(output.name))

    return wording
