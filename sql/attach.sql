-- Opens the project's lake in the DuckDB CLI, read-only (safe while a run writes), from the project root:
--   .venv/bin/duckdb -init sql/attach.sql                       (interactive)
--   .venv/bin/duckdb -init sql/attach.sql < sql/analysis/funnel.sql
-- The extensions come from their PyPI wheels, installed into .duckdb_extensions/ by `make` (nothing is
-- downloaded). For another catalog than the default, change the ATTACH line (see README, Configuration).
SET extension_directory = '.duckdb_extensions';
SET autoinstall_known_extensions = false;
ATTACH IF NOT EXISTS 'ducklake:sqlite:data/catalog.sqlite' AS lake (DATA_PATH 'data/lake/', OVERRIDE_DATA_PATH true, READ_ONLY);
USE lake;
