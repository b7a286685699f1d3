"""submitit jobs whose state comes from squeue, for clusters without SLURM accounting.

submitit reads job states with sacct only. Where sacct does not work, every state reads
UNKNOWN, and ``job.result()`` of a job that died without writing its result (killed, out of
memory, cancelled) waits forever. squeue knows the states of jobs that ended less than
MinJobAge ago (300 s by default), which is enough for the job you are waiting on.

Imported only when submitting (it imports submitit); a module of its own so that the job
class can be pickled with the job.
"""

from __future__ import annotations

import typing as tp

from submitit.slurm.slurm import SlurmInfoWatcher, SlurmJob


class SqueueInfoWatcher(SlurmInfoWatcher):
    def _make_command(self) -> tp.Optional[tp.List[str]]:
        pending = sorted({job_id.split("_")[0] for job_id in self._registered - self._finished})
        if not pending:
            return None
        return ["squeue", "--noheader", "--states=all", "--format=%i|%T",
                "--jobs=" + ",".join(pending)]

    def read_info(self, string: tp.Union[bytes, str]) -> tp.Dict[str, tp.Dict[str, str]]:
        if isinstance(string, bytes):
            string = string.decode()
        info = {}
        for line in string.splitlines():
            job_id, _, state = line.strip().partition("|")
            if job_id and state:
                info[job_id] = {"JobID": job_id, "State": state}
        return info


class SqueueSlurmJob(SlurmJob):
    watcher = SqueueInfoWatcher(delay_s=60)
