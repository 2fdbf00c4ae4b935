"""The least a dossier could be, for the load benchmark's baseline: a workflow that takes
Updates until it has had its count."""

from temporalio import workflow


# Run as the dossier workflows are: outside the sandbox, so the ratio compares like with like.
@workflow.defn(sandboxed=False)
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
