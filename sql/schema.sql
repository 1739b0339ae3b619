-- Every table of the project, declared once, in the DuckLake catalog (dynosaur_assets/lake.py). Each
-- asset owns one table; rows are keyed by dataset_id (the Dagster partition key), and a
-- materialization replaces exactly its partition's rows in one transaction (one DuckLake snapshot).
-- DuckLake enforces NOT NULL but no PRIMARY KEY / UNIQUE: each table's key is a comment here and a
-- blocking uniqueness expectation of its suite (expectations/<table>.json).

-- Step 1, before any partition: one row per dataset the Hub lists (docs/method.md §1's card rules on the
-- listing's card metadata). Only candidates become partitions; the others keep the reason here. A row is
-- rewritten when its commit (sha) changes; unchanged datasets keep the row of their first listing.
CREATE TABLE IF NOT EXISTS hub_listing (
    dataset_id       VARCHAR NOT NULL,
    created_at       TIMESTAMP,
    last_modified    TIMESTAMP,
    sha              VARCHAR,            -- the repository's commit when listed
    downloads        BIGINT NOT NULL,
    likes            BIGINT NOT NULL,
    license          VARCHAR,
    languages        VARCHAR[],
    task_categories  VARCHAR[],
    candidate        BOOLEAN NOT NULL,
    reason           VARCHAR,            -- invalid_id / no_license / disallowed_license / non_english / ...; NULL for candidates
    listed_at        TIMESTAMP NOT NULL, -- when this row was written (first listing, or the last sha change)
    first_listed_at  TIMESTAMP NOT NULL
    -- key: dataset_id
);

-- Step 1: one row per (dataset, config): the card's metadata and the keep / drop decision (docs/method.md §1).
CREATE TABLE IF NOT EXISTS hub_datasets (
    dataset_id       VARCHAR NOT NULL,
    config           VARCHAR NOT NULL,
    task_name        VARCHAR NOT NULL,   -- <dataset>-<config>, or <dataset> for a single default config
    license          VARCHAR,
    languages        VARCHAR[],
    multilinguality  VARCHAR,            -- english / non_english / multilingual / translation / unspecified
    task_categories  VARCHAR[],
    task_ids         VARCHAR[],
    pretty_name      VARCHAR,
    description      VARCHAR,            -- the card's "Dataset Summary"
    supported_tasks  VARCHAR,
    data_fields      VARCHAR,            -- the card's "Data Fields" text
    features         JSON,               -- datasets.Features.to_dict()
    field_names      VARCHAR[],
    splits           VARCHAR[],          -- sampled splits (names containing train / validation)
    website          VARCHAR,
    keep             BOOLEAN NOT NULL,
    drop_reason      VARCHAR,            -- NULL when kept
    error            VARCHAR,            -- the loader's message for load_error / timeout
    sample_rows      INTEGER NOT NULL,
    source           VARCHAR NOT NULL,   -- local / hf
    ingested_at      TIMESTAMP NOT NULL,
    sha              VARCHAR             -- the commit read (NULL: unknown); a newer listed sha re-reads the dataset
    -- key: (dataset_id, config)
);
-- Stores made before `sha` existed get it (a no-op, without a new version, when it is there).
ALTER TABLE hub_datasets ADD COLUMN IF NOT EXISTS sha VARCHAR;

-- Step 1: up to 100 sample rows per train / validation split of kept configs, ClassLabels as names.
CREATE TABLE IF NOT EXISTS hub_samples (
    dataset_id  VARCHAR NOT NULL,
    config      VARCHAR NOT NULL,
    task_name   VARCHAR NOT NULL,
    split       VARCHAR NOT NULL,
    row_idx     INTEGER NOT NULL,
    row         JSON NOT NULL
    -- key: (dataset_id, config, split, row_idx)
);

-- Step 2: one row per (config, prompt kind, proposed task); a reply that did not parse is one row
-- with position 0, its raw text and the reason (docs/method.md §2).
CREATE TABLE IF NOT EXISTS task_designs (
    dataset_id        VARCHAR NOT NULL,
    config            VARCHAR NOT NULL,
    task_name         VARCHAR NOT NULL,
    prompt_kind       VARCHAR NOT NULL,   -- aware / unaware
    position          INTEGER NOT NULL,   -- 1-based place in the reply; 0 for an unparsed reply
    designer          VARCHAR NOT NULL,   -- rules / openai
    designer_version  VARCHAR NOT NULL,
    model             VARCHAR,
    request_hash      VARCHAR,            -- the llm_calls row this came from
    instruction       VARCHAR,
    input_fields      VARCHAR[],
    output_field      VARCHAR[],
    proposal          JSON,
    raw_text          VARCHAR,
    parse_error       VARCHAR,
    parse_detail      VARCHAR
    -- key: (dataset_id, config, prompt_kind, position)
);

-- Steps 3-4: the valid tasks (five rules, merge, duplicates, label space, at least one instance).
CREATE TABLE IF NOT EXISTS instructions (
    dataset_id        VARCHAR NOT NULL,
    config            VARCHAR NOT NULL,
    task_name         VARCHAR NOT NULL,
    task_id           VARCHAR NOT NULL,
    instruction       VARCHAR NOT NULL,   -- with the label-space suffix when one applies
    base_instruction  VARCHAR NOT NULL,   -- as the designer wrote it
    input_fields      VARCHAR[] NOT NULL,
    output_field      VARCHAR[] NOT NULL,
    labels            VARCHAR[],          -- the label space when ≤ 10 distinct output values
    prompt_kind       VARCHAR NOT NULL,
    designer          VARCHAR NOT NULL,
    designer_version  VARCHAR NOT NULL,
    model             VARCHAR,
    instances         INTEGER NOT NULL,
    skipped_rows      JSON                -- sample rows skipped while rendering, by reason
    -- key: (dataset_id, task_id)
);
-- For the diversity analysis: the main verb and object noun of base_instruction, as
-- dynosaur_assets/curate/verbs.py finds them; the verb–noun picture and
-- sql/analysis/verb_noun_pairs.sql both read these. Added to stores made before they existed (NULL
-- there until the dataset is curated again).
ALTER TABLE instructions ADD COLUMN IF NOT EXISTS verb VARCHAR;  -- NULL when the instruction has no word
ALTER TABLE instructions ADD COLUMN IF NOT EXISTS noun VARCHAR;  -- NULL when the verb has no noun object
-- The validity rule set curation applied (DYNOSAUR_RULES): paper (§3's five rules) or strict (also §3.7's
-- rules, curate/strict_rules.py). NULL in stores curated before it existed (those applied paper).
ALTER TABLE instructions ADD COLUMN IF NOT EXISTS rule_set VARCHAR;

-- Steps 3-4: every proposal that did not become an instruction, with the rule it broke.
CREATE TABLE IF NOT EXISTS task_rejections (
    dataset_id        VARCHAR NOT NULL,
    config            VARCHAR NOT NULL,
    task_name         VARCHAR NOT NULL,
    prompt_kind       VARCHAR NOT NULL,
    position          INTEGER NOT NULL,
    rule              VARCHAR NOT NULL,   -- unparseable, empty_output, unknown_field, input_output_overlap,
                                          -- duplicate_instruction, duplicate_task, non_scalar_output,
                                          -- no_output_values, constant_output, imbalanced_labels, no_instances;
                                          -- strict rule set only (valid under paper): extra_task,
                                          -- option_key_without_options, input_does_not_determine_output,
                                          -- output_leaked_in_input, unsupported_target, blank_without_blank
    detail            VARCHAR,
    instruction       VARCHAR,
    input_fields      VARCHAR[],
    output_field      VARCHAR[],
    designer          VARCHAR NOT NULL,
    designer_version  VARCHAR NOT NULL,
    model             VARCHAR
);
ALTER TABLE task_rejections ADD COLUMN IF NOT EXISTS rule_set VARCHAR;  -- as instructions.rule_set

-- The rejection rules only the strict rule set applies (curate/strict_rules.py STRICT_RULES): a task they
-- reject was valid under the paper's rules, so the funnel counts both rule sets' valid tasks.
CREATE VIEW IF NOT EXISTS strict_rules AS
    SELECT * FROM (VALUES ('extra_task'), ('option_key_without_options'), ('input_does_not_determine_output'),
                          ('output_leaked_in_input'), ('unsupported_target'), ('blank_without_blank')) AS r(rule);

-- Step 4: one instance per (task, sample row), rendered as docs/method.md §4 says.
CREATE TABLE IF NOT EXISTS instruction_samples (
    dataset_id    VARCHAR NOT NULL,
    config        VARCHAR NOT NULL,
    task_id       VARCHAR NOT NULL,
    instance_idx  INTEGER NOT NULL,
    instruction   VARCHAR NOT NULL,
    input         VARCHAR NOT NULL,
    output        VARCHAR NOT NULL,
    license       VARCHAR,
    website       VARCHAR,
    taskname      VARCHAR NOT NULL
    -- key: (dataset_id, task_id, instance_idx)
);

-- Review (dynosaur_assets/review): one automatic verdict per valid task, in the paper's human-evaluation
-- categories. Replaced per dataset by `task_reviews`; the LLM's reply is the llm_calls row of request_hash.
CREATE TABLE IF NOT EXISTS task_reviews (
    dataset_id    VARCHAR NOT NULL,
    task_id       VARCHAR NOT NULL,
    verdict       VARCHAR NOT NULL,   -- reasonable | wrong_input | wrong_output | wrong_instruction
                                      -- | not_reviewed (no LLM, budget, failed call) | unparsed
    reason        VARCHAR,            -- the reviewer's one line; why not reviewed; the parse error and its text
    reviewer      VARCHAR,            -- the model; NULL when no call was made
    request_hash  VARCHAR,            -- the llm_calls row (prompt_kind 'review') holding the raw reply
    parse_error   VARCHAR,            -- for `unparsed`: truncated, unreadable_body, empty_response, malformed_json, ...
    reviewed_at   TIMESTAMP NOT NULL
    -- key: (dataset_id, task_id)
);

-- Review: human decisions, filled by a user (SQL or `python -m dynosaur_assets.review.overrides load
-- file.csv`), never written by an asset. The latest per task (decided_at) wins in task_verdicts.
CREATE TABLE IF NOT EXISTS task_review_overrides (
    dataset_id  VARCHAR NOT NULL,
    task_id     VARCHAR NOT NULL,
    verdict     VARCHAR NOT NULL,   -- reasonable | wrong_input | wrong_output | wrong_instruction
    who         VARCHAR NOT NULL,
    decided_at  TIMESTAMP NOT NULL,
    note        VARCHAR
);

-- Review: the final verdict of every valid task: the latest human override, else the automatic review.
-- source: override | review (one of the four categories) | not_reviewed (no review row, not_reviewed,
-- unparsed). Overrides whose verdict is not one of the four categories are ignored.
CREATE VIEW IF NOT EXISTS task_verdicts AS
    WITH latest AS (
        SELECT dataset_id, task_id, verdict, who, decided_at, note FROM task_review_overrides
        WHERE verdict IN ('reasonable', 'wrong_input', 'wrong_output', 'wrong_instruction')
        QUALIFY row_number() OVER (PARTITION BY dataset_id, task_id ORDER BY decided_at DESC, who) = 1
    )
    SELECT i.dataset_id, i.task_id,
           coalesce(o.verdict, r.verdict, 'not_reviewed') AS verdict,
           CASE WHEN o.verdict IS NOT NULL THEN 'override'
                WHEN r.verdict IN ('reasonable', 'wrong_input', 'wrong_output', 'wrong_instruction') THEN 'review'
                ELSE 'not_reviewed' END AS source,
           r.verdict AS review_verdict, r.reason, r.reviewer,
           o.who AS overridden_by, o.decided_at AS overridden_at, o.note
    FROM instructions i
    LEFT JOIN task_reviews r ON r.dataset_id = i.dataset_id AND r.task_id = i.task_id
    LEFT JOIN latest o ON o.dataset_id = i.dataset_id AND o.task_id = i.task_id;

-- Step 5: one vector per distinct instruction text and model; never computed twice.
CREATE TABLE IF NOT EXISTS instruction_embeddings (
    instruction_hash  VARCHAR NOT NULL,   -- sha256 of the instruction text
    model             VARCHAR NOT NULL,
    instruction       VARCHAR NOT NULL,
    embedding         FLOAT[] NOT NULL,   -- 384 values (DuckLake has lists, not fixed arrays; checked)
    dataset_id        VARCHAR NOT NULL,   -- the dataset whose materialization first embedded it
    created_at        TIMESTAMP NOT NULL
    -- key: (instruction_hash, model)
);

-- Step 2: every LLM call, written the moment its response arrives, keyed by a hash of
-- model + messages + parameters, so nothing paid for is ever requested again (docs/method.md §6).
CREATE TABLE IF NOT EXISTS llm_calls (
    request_hash       VARCHAR NOT NULL,   -- key
    model              VARCHAR NOT NULL,
    prompt_kind        VARCHAR NOT NULL,
    dataset_id         VARCHAR NOT NULL,
    task_name          VARCHAR,
    response_text      VARCHAR,
    finish_reason      VARCHAR,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    cached_tokens      INTEGER NOT NULL,
    cost_usd           DOUBLE NOT NULL,
    latency_s          DOUBLE NOT NULL,
    error              VARCHAR,
    attempts           INTEGER NOT NULL,
    response_format    VARCHAR,
    created_at         TIMESTAMP NOT NULL
);
-- How the call was paid: sync (chat completions) | batch (the Batch API, half price); NULL: before modes, sync.
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS mode VARCHAR;

-- The Batch API (DYNOSAUR_LLM_MODE=batch): one row per batch submitted, recorded at once after its
-- creation (a kill before that is recovered by the submission id in the batch's metadata).
CREATE TABLE IF NOT EXISTS llm_batches (
    batch_id         VARCHAR NOT NULL,   -- OpenAI's batch id; key
    submission_id    VARCHAR NOT NULL,   -- ours, in the batch's metadata: a hash of its request hashes and parent
    step             VARCHAR NOT NULL,   -- design | review
    model            VARCHAR NOT NULL,
    input_file_id    VARCHAR NOT NULL,
    requests         INTEGER NOT NULL,
    bytes            BIGINT NOT NULL,    -- of the uploaded JSONL
    attempt          INTEGER NOT NULL,   -- 1; n + 1 for a batch re-queueing the failed or missing lines of another
    parent_batch_id  VARCHAR,            -- the batch whose failed or missing lines this one re-queues
    submitted_at     TIMESTAMP NOT NULL
);

-- The requests of each batch (custom_id = request_hash, the llm_calls key).
CREATE TABLE IF NOT EXISTS llm_batch_requests (
    batch_id      VARCHAR NOT NULL,
    request_hash  VARCHAR NOT NULL,
    dataset_id    VARCHAR NOT NULL,
    prompt_kind   VARCHAR NOT NULL,
    task_name     VARCHAR
    -- key: (batch_id, request_hash)
);

-- How each batch ended, written by `llm_batch_ingest` once its lines are in llm_calls: a batch without a
-- row here is open. completed + failed + missing = requests.
CREATE TABLE IF NOT EXISTS llm_batch_outcomes (
    batch_id           VARCHAR NOT NULL,   -- key
    status             VARCHAR NOT NULL,   -- OpenAI's: completed | expired | failed | cancelled
    completed          INTEGER NOT NULL,   -- lines stored in llm_calls
    failed             INTEGER NOT NULL,   -- lines answered with an error
    missing            INTEGER NOT NULL,   -- lines in neither file (expired, cancelled, a failed batch)
    requeued_batch_id  VARCHAR,            -- the batch that asks the failed and missing lines again, if any
    closed_at          TIMESTAMP NOT NULL
);

-- Data quality: one row per (run, partition, suite, expectation) from the Great Expectations suites in
-- expectations/<table>.json, written by dynosaur_assets.quality.checks.write_outcomes. A history table:
-- no primary key; a re-validation in the same run replaces that (run, partition, suite)'s rows.
CREATE TABLE IF NOT EXISTS quality_results (
    run_id               VARCHAR NOT NULL,   -- the Dagster run id
    partition            VARCHAR NOT NULL,   -- the partition validated (dataset_id)
    suite                VARCHAR NOT NULL,   -- the table / suite name
    expectation          VARCHAR NOT NULL,   -- GX expectation type, e.g. expect_column_values_to_not_be_null
    check_name           VARCHAR NOT NULL,   -- the expectation's meta.name, unique within its suite
    columns              VARCHAR[],          -- the column(s) it checks (helper columns included)
    severity             VARCHAR NOT NULL,   -- error (blocking) / warn
    success              BOOLEAN NOT NULL,
    observed_value       JSON,               -- GX's observed value, or counts for column-map expectations
    unexpected_count     BIGINT,
    unexpected_examples  JSON,               -- up to 5 failing rows: row key + row_number + value(s)
    checked_at           TIMESTAMP NOT NULL  -- UTC
);

-- Duplicates across datasets (dynosaur_assets/dedup): one row per instance left out of the corpus,
-- with the instance or task it duplicates and why. Rewritten as a whole by `corpus_duplicates`.
CREATE TABLE IF NOT EXISTS instance_duplicates (
    dataset_id         VARCHAR NOT NULL,   -- the instance left out: (dataset_id, task_id, instance_idx)
    task_id            VARCHAR NOT NULL,
    instance_idx       INTEGER NOT NULL,
    reason             VARCHAR NOT NULL,   -- exact_instance | near_duplicate_instruction
    kept_dataset_id    VARCHAR NOT NULL,   -- the earliest copy, which stays
    kept_task_id       VARCHAR NOT NULL,
    kept_instance_idx  INTEGER,            -- NULL when a whole task is a near duplicate of another
    similarity         DOUBLE              -- cosine of the two instructions (near duplicates)
);

-- The corpus the exports read: instruction_samples without the duplicates above (same columns).
CREATE VIEW IF NOT EXISTS corpus_instances AS
    SELECT s.* FROM instruction_samples s
    ANTI JOIN instance_duplicates d USING (dataset_id, task_id, instance_idx);

-- Replay selection (dynosaur_assets/replay, docs/method.md §5.3). The data vectors' cache: one vector per
-- distinct instance input text and model, embedded by `replay_selection` for the past tasks Data Diverse
-- ranks (each task's first inputs, dynosaur_assets/method.py DATA_INPUTS_PER_TASK); never computed twice.
CREATE TABLE IF NOT EXISTS input_embeddings (
    input_hash  VARCHAR NOT NULL,   -- sha256 of the input text (instruction_samples.input; DuckDB's sha256())
    model       VARCHAR NOT NULL,
    embedding   FLOAT[] NOT NULL,   -- unit norm, the embedder's width
    dataset_id  VARCHAR NOT NULL,   -- a dataset whose input first needed it
    created_at  TIMESTAMP NOT NULL
    -- key: (input_hash, model)
);

-- Replay selection: the tasks of each stage selected for (a stage's rows are rewritten with its selection).
CREATE TABLE IF NOT EXISTS replay_stages (
    stage          VARCHAR NOT NULL,   -- after_v<version>, or tasks_<hash> for an explicit list of task ids
    since_version  BIGINT,             -- the DuckLake snapshot the stage's tasks were added after (NULL: a list)
    dataset_id     VARCHAR NOT NULL,
    task_id        VARCHAR NOT NULL,
    selected_at    TIMESTAMP NOT NULL
    -- key: (stage, dataset_id, task_id)
);

-- Replay selection: per stage and strategy, the k past tasks to replay, in rank order. Rewritten per
-- stage, together with its replay_stages rows, by `replay_selection` in one transaction.
CREATE TABLE IF NOT EXISTS replay_selection (
    strategy     VARCHAR NOT NULL,   -- instr_diverse | instr_similar | instr_support | data_diverse | random
    stage        VARCHAR NOT NULL,   -- as in replay_stages
    rank         INTEGER NOT NULL,   -- 1: picked first
    dataset_id   VARCHAR NOT NULL,
    task_id      VARCHAR NOT NULL,
    score        DOUBLE,             -- the strategy's (dynosaur_assets/replay/README.md); NULL for random
    k            INTEGER NOT NULL,   -- the replay budget asked for
    selected_at  TIMESTAMP NOT NULL
    -- key: (stage, strategy, rank)
);
