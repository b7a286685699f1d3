"""Checkpoints that interrupt a training run at a chosen step, for resume tests."""

from neurosweep.harness import Checkpoint


class StopAt(Checkpoint):
    """Simulates SLURM's USR1: the run saves a checkpoint at step ``stop`` and exits."""

    def __init__(self, directory, stop: int, every_steps: int = 10):
        super().__init__(directory, every_steps=every_steps)
        self.stop = stop

    def tick(self, step, total, state_fn):
        if step == self.stop:
            self.request_stop()
        super().tick(step, total, state_fn)


class StopAfter(Checkpoint):
    """Simulates a crash right after step ``stop`` (whatever was saved before it survives)."""

    def __init__(self, directory, stop: int, **kwargs):
        super().__init__(directory, **kwargs)
        self.stop = stop

    def tick(self, step, total, state_fn):
        super().tick(step, total, state_fn)
        if step == self.stop:
            raise KeyboardInterrupt
