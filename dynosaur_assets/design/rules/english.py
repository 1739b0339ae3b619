"""English helpers for the rule-based designer: field names as words, plurals, articles, lists."""

import re


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
    """`the premise and the hypothesis`, `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def or_list(items: tuple[str, ...]) -> str:
    """`negative or positive`, `a, b or c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def first_match(patterns: tuple[tuple[str, str], ...], text: str) -> str:
    """The value of the pattern (a whole-word regex, any case) found earliest in `text`, or empty."""
    found = [(match.start(), value) for pattern, value in patterns
             for match in [re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE)] if match]
    return min(found)[1] if found else ""
