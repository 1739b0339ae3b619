-- Every table of the project, declared once. Each asset owns one table; rows are keyed by
-- dataset_id (the Dagster partition key), and a materialization replaces exactly its partition's rows.

-- Step 1: one row per (dataset, config): the card's metadata and the keep / drop decision (METHOD.md §1).
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
    PRIMARY KEY (dataset_id, config)
);

-- Step 1: up to 100 sample rows per train / validation split of kept configs, ClassLabels as names.
CREATE TABLE IF NOT EXISTS hub_samples (
    dataset_id  VARCHAR NOT NULL,
    config      VARCHAR NOT NULL,
    task_name   VARCHAR NOT NULL,
    split       VARCHAR NOT NULL,
    row_idx     INTEGER NOT NULL,
    row         JSON NOT NULL,
    PRIMARY KEY (dataset_id, config, split, row_idx)
);
