"""The floor Temporal itself sets: a workflow that does nothing but answer a query and an update."""

from pydantic import BaseModel
from temporalio import workflow


class Nothing(BaseModel):
    n: int = 0


@workflow.defn
class TrivialWorkflow:
    def __init__(self) -> None:
        self.n, self.done = 0, False

    @workflow.run
    async def run(self, _: Nothing) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.n

    @workflow.query
    def state(self) -> int:
        return self.n

    @workflow.update
    async def bump(self, arg: Nothing) -> int:
        self.n += arg.n
        return self.n

    @workflow.signal
    def finish(self) -> None:
        self.done = True
