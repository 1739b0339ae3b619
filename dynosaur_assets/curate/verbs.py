"""Verb–noun pairs of task instructions for the diversity analysis (docs/method.md §5).

The paper parses each instruction and keeps the main verb with its direct-object noun. No parser
(spaCy/benepar model) is available offline here, so this is a documented word-list heuristic:

1. Lowercase, keep letters/digits/apostrophes/hyphens as word characters.
2. Drop a task preamble so the main imperative verb comes first:
   - leading sentences that only set the scene ("You are given a tweet.", "In this task, ...",
     "Here is a review.") when a later sentence exists;
   - a leading subordinate clause ending at the first comma: "given ...,", "based on ...,",
     "using ...,", "for each ...,", "from ...,", "after reading ...,", "in this task,", ...;
   - "read/consider/look at/examine ... and" (the verb after "and" is the main one).
3. Verb = the first word in IMPERATIVE_VERBS within the first few words (e.g. "please classify",
   "now answer"); otherwise the first word.
4. Noun = the first word after the verb that is not an article, determiner, number word,
   preposition, conjunction, wh-/complementiser ("whether", "if", "which"), auxiliary or
   adjective-like modifier (BOUNDARY or MODIFIER). If the first such word is an object pronoun ("it", "them"),
   the object has no noun and None is returned. The noun is singularised simply: "-ies" → "-y",
   "-sses"/"-ches"/"-shes"/"-xes" drop "es", otherwise a trailing "s" is dropped unless the word
   ends in "ss", "us" or "is".

Known limits: compounds give their first word ("movie review" → "movie", not the head "review"),
and clause objects give the clause subject ("decide whether the hypothesis ..." → "hypothesis").
Agreement with hand labels: 145 of the 148 hand-labelled (verb, noun) pairs in
tests/unit/verb_noun_labels.json are reproduced (all 118 used for tuning, 27 of the 30 held out).
tests/unit/test_verbs.py checks each label exactly; the 3 misses are listed, with what the heuristic
gives instead, in its KNOWN_MISSES.

The curation asset stores each valid task's pair in the `verb` and `noun` columns of `instructions`,
so the verb–noun picture and sql/analysis/verb_noun_pairs.sql count the same pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

IMPERATIVE_VERBS: frozenset[str] = frozenset(
    """
    identify extract provide predict generate choose create select write determine classify decide
    answer summarize summarise translate find give label rate tell list explain rewrite complete
    convert describe detect compute calculate count sort rank return output assign categorize
    categorise paraphrase correct fill infer evaluate judge assess compare verify check recognize
    recognise detect tag annotate match pick name state suggest recommend propose produce compose
    draft formulate construct design build simplify shorten expand edit fix parse segment split
    tokenize normalize map estimate score measure grade mark highlight spot locate retrieve
    recommend analyze analyse interpret infer reason solve respond reply continue modify transform
    format restate rephrase arrange order group cluster filter remove delete replace insert add
    combine merge mention specify indicate outline define ask pose simulate act imagine
    """.split()
)

# Words that end a noun phrase (and are skipped before it starts): prepositions, conjunctions,
# complementisers, wh-words, relative pronouns and auxiliaries.
BOUNDARY: frozenset[str] = frozenset(
    """
    of in on at to from for with by about into onto over under between among through as per
    within without via against across after before during than and or but nor so yet then
    which what whichever whatever whose who whom whether if how why when where that
    is are was were be been being do does did can could will would should may might must shall
    has have had not
    """.split()
)

# Words that are never the head noun but may sit inside the noun phrase before it: articles,
# determiners, quantifiers, number words, possessive determiners and common task adjectives.
MODIFIER: frozenset[str] = frozenset(
    """
    a an the this these those its their his her our your my each every all any some both either
    neither no another other such one two three four five six seven eight nine ten first second
    third last next previous single multiple many several few more most less least only same
    given following above below provided corresponding appropriate correct right wrong best
    better good proper suitable relevant main overall short brief concise detailed new original
    final possible plausible likely specific particular certain whole entire full underlying
    input output target named long simple key top exact actual potential different similar
    additional missing also just there here largest smallest longest shortest highest lowest
    biggest greatest most least very
    """.split()
)

PRONOUNS: frozenset[str] = frozenset(
    {"it", "them", "him", "me", "us", "itself", "themselves", "they", "he", "she", "we", "you", "i"}
)

# Words ending in -s that are already singular.
_INVARIANT = frozenset(
    "news series species physics mathematics politics economics ethics means bias alias canvas "
    "atlas chaos diabetes lens".split()
)

_MAX_PHRASE = 4

# Words, plus punctuation tokens that end a noun phrase.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'\-]*|[,.;:()\[\]\"?!/]")
_PUNCT = frozenset(",.;:()[]\"?!/")
_NUMERIC = re.compile(r"^[0-9][0-9\-.,/]*$")

# Third-person verbs that start a clause after the object noun ("whether the abstract supports ...").
_CLAUSE_VERBS_3SG = frozenset(
    """
    contains supports entails contradicts has matches describes expresses mentions belongs refers
    follows appears occurs uses states implies requires includes represents means says shows
    makes gets goes comes talks discusses asks answers expects wants needs gives lies seems
    becomes remains""".split()
)

# A leading clause up to the first comma: "given ...,", "based on ...,", "using ...," etc.
_LEAD_CLAUSE = re.compile(
    r"^\s*(?:given|based on|using|with|for (?:each|every|the|a|an)|from|after reading|"
    r"in this task|in this exercise|considering|according to|taking|provided|if|when|"
    r"as)\b[^,]*,\s*"
)
# "read/consider/look at ... and <verb>": the verb after "and" is the main one.
_READ_AND = re.compile(
    r"^\s*(?:please\s+)?(?:read|consider|look at|examine|review|study|take|see|analy[sz]e)\b"
    r"[^.,;]*?\band\s+(?=[a-z])"
)
# Scene-setting sentences to skip when another sentence follows.
_PREAMBLE_SENTENCE = re.compile(
    r"^\s*(?:you (?:are|will be|have been) (?:given|provided|shown|presented)|in this task|"
    r"here (?:is|are)|the (?:input|following) (?:is|are|contains?)|this (?:is|task))\b[^.]*\.\s+(?=\S)"
)


def _strip_preamble(text: str) -> str:
    """Remove leading scene-setting sentences and subordinate clauses (repeatedly)."""
    for _ in range(4):
        before = text
        text = _PREAMBLE_SENTENCE.sub("", text, count=1)
        text = _LEAD_CLAUSE.sub("", text, count=1)
        text = _READ_AND.sub("", text, count=1)
        if text == before:
            break
    return text


def singularize(word: str) -> str:
    """Simple English singular: -ies→-y, -sses/-ches/-shes/-xes drop 'es', else drop a final 's'
    unless the word ends in 'ss', 'us' or 'is'."""
    if word in _INVARIANT:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [w.strip("'-") if w not in _PUNCT else w for w in _TOKEN.findall(text) if w.strip("'-")]


def verb_noun(instruction: str) -> tuple[str | None, str | None]:
    """(main verb, direct-object noun) of an instruction; either may be None (see module doc)."""
    if not instruction or not instruction.strip():
        return None, None
    text = _strip_preamble(instruction.lower())
    words = _words(text)
    if not words:
        return None, None
    verb_at = next((i for i, w in enumerate(words[:4]) if w in IMPERATIVE_VERBS), None)
    if verb_at is None:  # no known verb near the start: the first word (punctuation skipped)
        verb_at = next((i for i, w in enumerate(words) if w not in _PUNCT), None)
        if verb_at is None:
            return None, None
    verb = words[verb_at]
    head: str | None = None  # last content word of the object noun phrase so far
    size = 0
    for w in words[verb_at + 1 :]:
        if head is None:
            if w in PRONOUNS:
                return verb, None
            if w in BOUNDARY or w in MODIFIER or w in _PUNCT or _NUMERIC.match(w):
                continue
        else:
            if (
                w in BOUNDARY
                or w in PRONOUNS
                or w in _PUNCT
                or w in _CLAUSE_VERBS_3SG
                or _is_participle(w)
                or size >= _MAX_PHRASE
            ):
                break
            if w in MODIFIER or _NUMERIC.match(w):
                continue
        if w.endswith("'s"):  # possessor: the head noun follows ("the user's message")
            head, size = None, 0
            continue
        head, size = w, size + 1
    return verb, (singularize(head) if head is not None else None)


def _is_participle(word: str) -> bool:
    """-ing/-ed words after a noun start a participle clause ("a tweet announcing ...",
    "a description based on ..."); nouns in -eed/-ing like "speed"/"string" are the exceptions."""
    if len(word) > 5 and word.endswith("ing") and word not in {"string", "setting", "meaning", "heading", "rating", "reading", "ending", "building", "painting", "wording", "listing", "training"}:
        return True
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


def with_verb_noun(instructions: Iterable[Mapping]) -> list[dict]:
    """The `instructions` rows with the `verb` and `noun` of their base_instruction (as the designer
    wrote it, before any label-space suffix)."""
    return [{**row, **dict(zip(("verb", "noun"), verb_noun(row["base_instruction"])))} for row in instructions]


def verb_noun_counts(pairs: Iterable[tuple[str | None, str | None, int]]) -> dict[str, Counter[str]]:
    """verb -> Counter of its object nouns, from (verb, noun, count) rows. Rows with no verb are
    skipped; a verb with no noun is still counted (its Counter may be empty), so every found verb
    appears as a key."""
    counts: dict[str, Counter[str]] = {}
    for verb, noun, count in pairs:
        if verb is None:
            continue
        bucket = counts.setdefault(verb, Counter())
        if noun is not None:
            bucket[noun] += count
    return counts
