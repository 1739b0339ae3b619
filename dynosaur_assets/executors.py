"""How a run executes its steps, chosen by DYNOSAUR_EXECUTOR when the definitions load:

- `in_process` (default): every step in the run's process, one lake attachment for the run;
- `multiprocess`: Dagster's multiprocess executor, each step in a process of its own, forked from a
  server process that imported the definitions and Great Expectations once (PRELOADED);
- `dask`: each step a task on the Dask `distributed` cluster whose scheduler is DYNOSAUR_DASK_SCHEDULER
  (`tcp://host:8786`), run on the worker by dagster-dask's step function. dagster-dask 0.29.27's own
  executor cannot submit a partition-range run to dask >= 2025.1 (dask walks tuple arguments, and the
  run holds Dagster `@record`s that refuse iteration: "Iteration is not allowed on `@record`
  KeyRangesPartitionsSubset"), so DaskStepExecutor submits the same arguments pickled into one value.

Steps in several processes write the lake at once, which only a Postgres catalog takes; with a SQLite
catalog (one writer process) those two are refused here, before any run starts. Every process that
loads the definitions (the run, its step processes, each Dask worker) must see the same settings.
"""

import os
import pickle
from collections.abc import Iterator, Sequence

import dagster as dg
from dagster._core.errors import raise_execution_interrupts
from dagster._core.events import DagsterEvent
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.retries import RetryMode
from dagster._utils import iterate_with_context

EXECUTORS = ("in_process", "multiprocess", "dask")
# what every step process would otherwise import anew (seconds each: the checks' suites use GX)
PRELOADED = ["dynosaur_assets.definitions", "great_expectations"]


class ExecutorConfigError(ValueError):
    """An executor setting that cannot work; its message is one line naming the fix."""


def select_executor(name: str, catalog: str, dask_scheduler: str = "") -> dg.ExecutorDefinition:
    """The executor called `name` for a lake whose catalog is `catalog` (DYNOSAUR_CATALOG)."""
    name = name.strip() or "in_process"
    if name not in EXECUTORS:
        raise ExecutorConfigError(f"DYNOSAUR_EXECUTOR={name!r}: expected one of {', '.join(EXECUTORS)}")
    if name == "in_process":
        return dg.in_process_executor
    if not catalog.startswith("postgres:"):
        raise ExecutorConfigError(
            f"DYNOSAUR_EXECUTOR={name} writes the lake from several processes, and a SQLite catalog takes one "
            "writer process: set DYNOSAUR_CATALOG=postgres:<dbname=... host=...> (with DYNOSAUR_DATA_PATH), "
            "or DYNOSAUR_EXECUTOR=in_process")
    if name == "multiprocess":
        return dg.multiprocess_executor.configured(
            {"start_method": {"forkserver": {"preload_modules": PRELOADED}}}, name="multiprocess")
    if not dask_scheduler.strip():
        raise ExecutorConfigError("DYNOSAUR_EXECUTOR=dask needs DYNOSAUR_DASK_SCHEDULER, the address of a running "
                                  "Dask scheduler (e.g. tcp://127.0.0.1:8786)")
    return dask_step_executor.configured({"address": dask_scheduler.strip()}, name="dask")


def executor_from_env() -> dg.ExecutorDefinition:
    """The executor of DYNOSAUR_EXECUTOR, DYNOSAUR_CATALOG and DYNOSAUR_DASK_SCHEDULER."""
    return select_executor(os.environ.get("DYNOSAUR_EXECUTOR", "in_process"),
                           os.environ.get("DYNOSAUR_CATALOG", ""), os.environ.get("DYNOSAUR_DASK_SCHEDULER", ""))


def run_step_on_worker(dependencies: list, arguments: bytes) -> Sequence[DagsterEvent]:
    """On a Dask worker: dagster-dask's step function with its arguments unpickled (`dependencies`, the
    upstream steps' results, only order the tasks)."""
    from dagster_dask.executor import query_on_dask_worker

    return query_on_dask_worker(dependencies, *pickle.loads(arguments))


class DaskStepExecutor(dg.Executor):
    """Each step of the run one task on an existing Dask cluster, after the steps it depends on."""

    def __init__(self, address: str):
        self.address = address

    @property
    def retries(self) -> RetryMode:
        return RetryMode.DISABLED

    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan) -> Iterator[DagsterEvent]:
        import dask.distributed
        from dagster_dask.executor import get_dask_resource_requirements

        if not plan_context.instance.is_persistent:
            raise dg.DagsterInvariantViolationError("the Dask executor needs a persistent Dagster instance (DAGSTER_HOME)")
        run, instance_ref = plan_context.dagster_run, plan_context.instance.get_ref()
        with dask.distributed.Client(self.address) as client:
            futures: dict[str, dask.distributed.Future] = {}
            for level in execution_plan.get_steps_to_execute_by_level():
                for step in level:
                    upstream = [futures[key] for step_input in step.step_inputs for key in step_input.dependency_keys
                                if key in futures]
                    arguments = pickle.dumps((plan_context.reconstructable_job, run, plan_context.run_config,
                                              [step.key], instance_ref, execution_plan.known_state))
                    futures[step.key] = client.submit(
                        run_step_on_worker, upstream, arguments, key=f"{run.run_id}.{step.key}", pure=False,
                        resources=get_dask_resource_requirements(step.tags))
            finished = dask.distributed.as_completed(list(futures.values()), with_results=True)
            for _, events in iterate_with_context(raise_execution_interrupts, finished):
                yield from events


@dg.executor(name="dask", config_schema={"address": dg.Field(dg.StringSource, description="the Dask scheduler")},
             requirements=dg.multiple_process_executor_requirements())
def dask_step_executor(init_context: dg.InitExecutorContext) -> DaskStepExecutor:
    """Steps as tasks on the Dask cluster whose scheduler is at `address`."""
    return DaskStepExecutor(init_context.executor_config["address"])
