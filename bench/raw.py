"""The least a dossier could be, for the load benchmark's baseline: a workflow that takes
Updates until it has had its count. Its own module, so the workflow sandbox imports little."""

from temporalio import workflow


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.count = 0

    @workflow.run
    async def run(self, updates: int) -> int:
        await workflow.wait_condition(lambda: self.count >= updates)
        return self.count

    @workflow.update
    async def bump(self) -> int:
        self.count += 1
        return self.count
