#!/usr/bin/env bash
# A real single-node SLURM test cluster on this machine, for the `slurm` tests.
#
#   tests/slurm/cluster.sh up       install Debian's packages if needed, write the config, start, self-test
#   tests/slurm/cluster.sh down     stop the daemons (each by the PID in its PID file)
#   tests/slurm/cluster.sh status   daemons and the node's state
#
# Needs root (apt-get, the munge key, slurmd launching jobs as any user) and no systemd: the
# daemons are started by hand. The node advertises more CPUs than the machine has (tests run
# many 1-CPU jobs) and fake GPUs as gres/gpu, so `--gpus=1` jobs are accepted and see
# CUDA_VISIBLE_DEVICES. There is no accounting daemon, so `sacct` does not work: Snakemake
# polls job states with squeue (profiles/slurm-test). Finished jobs stay visible for 10 minutes.
#
# Settings (environment): NEUROSWEEP_TEST_CPUS (default 8), NEUROSWEEP_TEST_GPUS (default 2).
# Partitions: `cpu` (default) and `gpu`, both on the one node, so that GPU dispatch is visible.
set -euo pipefail

CPUS=${NEUROSWEEP_TEST_CPUS:-8}
GPUS=${NEUROSWEEP_TEST_GPUS:-2}
NODE=$(hostname -s)
ETC=/etc/slurm
STATE=/var/lib/slurm
LOGS=/var/log/slurm
PIDS=(/run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid)

say() { printf '[cluster %s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { say "error: $*"; exit 1; }

# running PIDFILE: the process named in PIDFILE is alive (a zombie counts as dead)
running() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ -n $pid && -r /proc/$pid/stat ]] && [[ $(cut -d' ' -f3 "/proc/$pid/stat") != Z ]]
}

# wait_until SECONDS WHAT COMMAND...: retry COMMAND every 0.2 s
wait_until() {
  local limit=$1 what=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS - start < limit)) || fail "$what: not ready after ${limit}s (logs in $LOGS)"
    sleep 0.2
  done
}

install_packages() {
  local wanted=(slurmctld slurmd slurm-client munge) missing=() p
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  apt-cache policy slurmctld 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
  # The packages' install scripts would start the daemons before any config exists.
  local blocker=/usr/sbin/policy-rc.d added=0
  if [[ ! -e $blocker ]]; then printf '#!/bin/sh\nexit 101\n' >"$blocker"; chmod +x "$blocker"; added=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ((added)) && rm -f "$blocker"
  return 0
}

write_config() {
  local memory gres_files i
  memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)
  mkdir -p "$ETC" "$STATE/ctld" "$STATE/d" "$LOGS"
  for ((i = 0; i < GPUS; i++)); do [[ -e /dev/fakegpu$i ]] || mknod "/dev/fakegpu$i" c 1 3; done
  gres_files=$( ((GPUS == 1)) && echo /dev/fakegpu0 || echo "/dev/fakegpu[0-$((GPUS - 1))]")
  ((GPUS > 0)) && echo "NodeName=$NODE Name=gpu File=$gres_files" >"$ETC/gres.conf"
  cat >"$ETC/slurm.conf" <<CONF
# Written by neurosweep's tests/slurm/cluster.sh: a one-node test cluster. Not for production.
ClusterName=neurosweep-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
# no cgroup tree needed (containers): track processes by parent PID
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# take CPUs, memory and GPUs from this file, not from the hardware
SlurmdParameters=config_overrides
ReturnToService=2
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# a job without --mem must not take the whole node
DefMemPerCPU=500
# finished jobs stay visible to squeue: Snakemake reads job states from it (no sacct here)
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# a quick scheduler: tests submit many short jobs
SchedulerParameters=sched_interval=1,bf_interval=1
# seconds between SIGTERM and SIGKILL (SLURM's default): a cancelled controller needs them to
# cancel the jobs it submitted; with 10 s a loaded machine sometimes killed it first
KillWait=30
$( ((GPUS > 0)) && echo GresTypes=gpu)
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$memory $( ((GPUS > 0)) && echo "Gres=gpu:$GPUS") State=UNKNOWN
PartitionName=cpu Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$NODE MaxTime=INFINITE State=UP
CONF
}

start() {
  if ! running /run/munge/munged.pid; then
    if [[ ! -s /etc/munge/munge.key ]]; then
      mungekey --create --force && chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    wait_until 10 munged bash -c 'munge -n | unmunge'
  fi
  running /run/slurmctld.pid || /usr/sbin/slurmctld
  wait_until 30 slurmctld bash -c 'scontrol ping | grep -q UP'
  running /run/slurmd.pid || /usr/sbin/slurmd -N "$NODE"
  wait_until 60 "node $NODE" bash -c "sinfo -h -n $NODE -o %T | grep -Eq '^(idle|mixed|allocated)'"
}

selftest() {
  local dir id
  dir=$(mktemp -d)
  id=$(sbatch --parsable -p gpu --gpus=1 -t 1 --mem 50 -o "$dir/out" -D "$dir" \
    --wrap 'srun -n1 printenv CUDA_VISIBLE_DEVICES')
  wait_until 60 "self-test job $id" bash -c "squeue -h -j $id -t all -o %T | grep -qx COMPLETED"
  grep -qx '[0-9]' "$dir/out" || fail "self-test job $id did not see a GPU: $(cat "$dir/out")"
  rm -rf "$dir"
}

stop() {
  local file pid
  for file in "${PIDS[@]}"; do
    running "$file" || { rm -f "$file"; continue; }
    pid=$(cat "$file")
    kill -TERM "$pid"
    for _ in $(seq 50); do running "$file" || break; sleep 0.1; done
    running "$file" && kill -KILL "$pid"
    rm -f "$file"
    say "stopped $(basename "$file" .pid) (pid $pid)"
  done
}

status() {
  local file
  for file in "${PIDS[@]}"; do
    if running "$file"; then echo "running $(cat "$file") $file"; else echo "stopped - $file"; fi
  done
  sinfo 2>&1 || true
}

case ${1:-} in
  up)
    [[ $(id -u) == 0 ]] || fail "run as root (installs packages and starts the SLURM daemons)"
    began=$SECONDS
    install_packages
    write_config
    if running /run/slurmctld.pid; then scontrol reconfigure; fi
    start
    selftest
    say "cluster up in $((SECONDS - began)) s: node $NODE, $CPUS CPUs, $GPUS GPUs, partitions cpu (default) and gpu"
    ;;
  down) stop ;;
  status) status ;;
  *) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 2 ;;
esac
