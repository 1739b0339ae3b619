"""One dynamic partition per Hub dataset id."""

import dagster as dg

hub_dataset_partitions = dg.DynamicPartitionsDefinition(name="hub_datasets")
