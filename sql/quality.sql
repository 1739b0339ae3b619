-- Data quality: one row per (run, partition, suite, expectation) from the Great Expectations suites in
-- expectations/<table>.json, written by dynosaur_assets.quality.suites.quality_rows. A history table:
-- no primary key; a re-validation in the same run adds rows with a later checked_at (or delete
-- WHERE run_id = ? AND partition = ? AND suite = ? before inserting to replace them).
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
