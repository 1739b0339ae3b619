"""The rule-based designer's wordings, as data: every instruction per prompt kind (docs/method.md §2: the
unaware wording never draws on the description), and the clauses instructions are built from.

Placeholders are filled by the templates: `{a_...}` takes a noun with its article (`a tweet`);
`{they}`, `{them}`, `{their}`, `{are}`, `{express}` agree with one text or several (`ONE_TEXT`,
`SEVERAL_TEXTS`).
"""

from dynosaur_assets.method import PROMPT_KINDS


def _every_kind(text: str) -> dict[str, str]:
    return dict.fromkeys(PROMPT_KINDS, text)


INSTRUCTIONS: dict[str, dict[str, str]] = {
    "choose": {
        "aware": "Read {read} and choose the correct answer among the options. {reply}",
        "unaware": "Given {read}, choose the correct option. {reply}",
    },
    "answer_from_passage": {
        "aware": "Read the {passage} and answer the {question} using the information it contains.",
        "unaware": "Answer the {question} about the {passage}.",
    },
    "solve_problem": {
        "aware": "Solve the {subject}.",
        "unaware": "Solve the problem.",
    },
    "answer": {
        "aware": "Answer the {question}.",
        "unaware": "Give the answer to the {question}.",
    },
    "write_code": {
        "aware": "Write the {language} code that does what the {description} describes.",
        "unaware": "Given the {description}, write {language} code that does what it asks.",
    },
    "describe_code": {
        "aware": "Read the {language} code and write the {description} that says what it does.",
        "unaware": "Explain in plain words what the {language} code does.",
    },
    "fill_mask": {
        "aware": "Read the sentence and write the word or short phrase that should replace [MASK].",
        "unaware": "Fill in the [MASK] token of the sentence with the missing word or phrase.",
    },
    "summarize": {
        "aware": "Read the {text} and write its {summary}: a short text with only the main points.",
        "unaware": "Summarize the {text} by writing its {summary}.",
    },
    "write_title": {
        "aware": "Read the {text} and write a fitting {title} for it.",
        "unaware": "Write a {title} for the {text}.",
    },
    "classify": {
        "aware": "Read {read} and {decision}.",
        "unaware": "Given {read}, {decision}.",
    },
    "question_for_answer": {
        "aware": "Write {a_question} that has the given answer.",
        "unaware": "Given an answer, write {a_question} that it answers.",
    },
    "question_for_passage_and_answer": {
        "aware": "Read the {passage} and write {a_question} about it whose answer is the given answer.",
        "unaware": "Given the {passage} and an answer, write {a_question} that the answer answers.",
    },
    "question_for_passage": {
        "aware": "Read the {passage} and write {a_question} that it answers.",
        "unaware": "Write {a_question} about the {passage}.",
    },
    "text_with_relation": {
        "aware": "Write {a_text} that has the given {relation} to the given {other}.",
        "unaware": "Given {a_other} and a {relation}, write {a_text} with that relation to it.",
    },
    "text_with_flag": _every_kind(
        "Write {a_text} that is {adjective} when the label is True and is not when it is False."
    ),
    "text_with_label": {
        "aware": "Write {a_text} that {verb} the given {concept}.",
        "unaware": "Given {a_concept}, write {a_text} that {verb} it.",
    },
    "expand": {
        "aware": "Write {a_text} that develops the points of the given {summary}.",
        "unaware": "Expand the {summary} into a full {text}.",
    },
    "generic": {
        "aware": "Read {read} and write the matching {output}.",
        "unaware": "Given {read}, write the corresponding {output}.",
    },
}

CLAUSES: dict[str, str] = {
    "reply_number": "Reply with the number of the correct option.",
    "reply_letter": "Reply with the letter of the correct option (A for the first one).",
    "reply_text": "Reply with the text of the correct option.",
    "worked_steps": "Explain the steps that lead to the answer.",
    "contains_answer": "decide whether the {second} contains the answer to the {first}",
    "entails": "decide whether the {first} entails the {second}",
    "entails_or_contradicts": "decide whether the {first} entails the {second}, contradicts it, or neither",
    "paraphrases": "decide whether they are paraphrases of each other",
    "paraphrase": "decide whether it is a paraphrase",
    "acceptable": "decide whether {they} {are} grammatically acceptable English",
    "flag": "decide whether {they} {are} {adjective}",
    "true_or_false": "decide whether '{label}' is true or false for {them}",
    "numbered_label": "assign {them} the right label ({labels})",
    "estimate": "estimate {owner} {measure}",
    "expressed": "identify the {concept} {they} {express}{options}",
    "flag_label": "identify {their} {concept} label{options}",
    "concept": "identify {owner} {concept}{options}",
}

ONE_TEXT = {"they": "it", "them": "it", "their": "its", "are": "is", "express": "expresses"}
SEVERAL_TEXTS = {"they": "they", "them": "them", "their": "their", "are": "are", "express": "express"}


def instruction(name: str, prompt_kind: str, **values: str) -> str:
    """The instruction `name` worded for a prompt kind, its placeholders filled."""
    return INSTRUCTIONS[name][prompt_kind].format(**values)


def clause(name: str, **values: str) -> str:
    """The clause `name`, its placeholders filled."""
    return CLAUSES[name].format(**values)
