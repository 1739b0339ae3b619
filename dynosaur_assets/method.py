"""Constants of the Dynosaur method (docs/method.md), named once.

Every rule of the method reads its numbers from here, so a reader can check them against the paper.
"""

# §1 Metadata collection
DISALLOWED_LICENSES = frozenset(
    {"other", "unknown", "cc-by-nc-nd-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "ofl"}
)
ENGLISH_LANGUAGE_TAGS = frozenset({"en", "code"})
TRANSLATION_WORDS = ("translation", "translate", "bitext", "parallel corpus")
MEDIA_FIELD_WORDS = ("image", "audio")
SAMPLE_SPLIT_WORDS = ("train", "validation")
SAMPLE_ROWS_PER_SPLIT = 100
CONFIG_TIME_BUDGET_S = 20.0
MAX_FAILED_CONFIGS = 10

# §2 Task design
# Description-aware (only when the card has a description) and description-unaware prompts.
PROMPT_KINDS = ("aware", "unaware")
MAX_TASKS_PER_PROMPT = 3
MAX_INSTRUCTION_CHARS = 2000  # longer is no task (the published 5,740 are at most 340)
PROMPT_SAMPLE_ROWS = 2
PROMPT_VALUE_CHARS = 1000
PROMPT_DESCRIPTION_CHARS = 1000
# Fields the project hides from the prompt: identifiers only (`id`, `idx`, `*_id`, `*_ids`, any case).
IDENTIFIER_FIELD_NAMES = frozenset({"id", "idx"})
IDENTIFIER_FIELD_SUFFIXES = ("_id", "_ids")
# The original hid every field whose name contains this substring (also `evidence`, `valid`, ...).
ORIGINAL_HIDDEN_FIELD_WORD = "id"
DESIGN_TEMPERATURE = 0.0
DESIGN_MAX_COMPLETION_TOKENS = 256

# §4 Label space and instances
LABEL_SPACE_ROWS = 100
LABEL_SPACE_MAX_VALUES = 10
LABEL_SPACE_MAX_VALUE_CHARS = 15
BINARY_MAX_MAJORITY = 70
MULTI_MAX_MAJORITY = 50
INSTANCE_MAX_CHARS = 2000
LABEL_SPACE_SUFFIX = " Answers must be one of {labels}."
CHOICE_FIELD_WORD = "choice"

# §5 Growth and continual learning: replay selection (project choices; the paper gives no numbers)
REPLAY_STRATEGIES = ("instr_diverse", "instr_similar", "instr_support", "data_diverse", "random")
# Instr. Support: each stage task nominates this many nearest past tasks (cosine on instructions).
SUPPORT_NEIGHBOURS = 10
# Data Diverse: a task's data vector is the normalised mean embedding of its first this-many distinct
# non-empty instance inputs (by instance_idx).
DATA_INPUTS_PER_TASK = 8

# §3.7 Rules beyond the paper (curate/strict_rules.py; `DYNOSAUR_RULES=strict`). Shares are of a task's
# rendered sample rows.
# option_key_without_options: at least this share of outputs (or of a lone input) are option keys.
OPTION_KEY_MIN_SHARE = 0.8
# input_does_not_determine_output: rows whose input recurs with another output, at least this share;
# judged for outputs of a median of at most this many words.
CONFLICT_MIN_SHARE = 0.5
SHORT_OUTPUT_WORDS = 5
# output_leaked_in_input: outputs this short never count; a leak is an equal input field, or an output
# inside the input that is at least this share of its length; leaked in at least this share of rows.
LEAK_MIN_OUTPUT_CHARS = 4
LEAK_MIN_SPAN_SHARE = 0.5
LEAK_MIN_SHARE = 0.6
# unsupported_target: identifier / date / URL / path / username outputs the input lacks, this share of rows.
UNSUPPORTED_MIN_SHARE = 0.5
# blank_without_blank: a blank marker in fewer than this share of the inputs.
BLANK_MIN_SHARE = 0.5
