#!/usr/bin/env bash
# A real single-node Slurm for the tests (Debian slurm-wlm 22.05), started without systemd, as root:
#   scripts/slurm/cluster.sh up       munge, mariadb + slurmdbd (sacct needs accounting), slurmctld, slurmd;
#                                     returns once `sinfo` shows the node idle. Idempotent: up when up is fine.
#   scripts/slurm/cluster.sh down     stops the daemons in reverse order (TERM by pid file, wait, remove it)
#   scripts/slurm/cluster.sh status   prints which daemons run and `sinfo`
# Config goes only to /etc/slurm, state to /var/spool/slurm* and /run. The node has one fake GPU (gres on /dev/null)
# so `--gres=gpu:1` is accepted; partitions: "debug" (default) and "small" (a second one for tests).
# Needs: apt-get install munge slurm-wlm slurmctld slurmd slurm-client slurmdbd mariadb-server
set -euo pipefail

HOST=$(hostname -s)
DB_NAME=slurm_acct_db
DB_USER=slurm
DB_PASS=mlbtc-test-cluster
MYSQL_RUN=/run/mysqld
SLURM_RUN=/run/slurm

die() { echo "cluster.sh: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "run as root (it starts munged, mariadbd and the Slurm daemons)"
for bin in munged mariadbd slurmdbd slurmctld slurmd sinfo; do
  command -v "$bin" > /dev/null || [[ -x /usr/sbin/$bin ]] || die "$bin not found; install munge slurm-wlm slurmctld slurmd slurm-client slurmdbd mariadb-server"
done

# Alive: the pid in the file names a running process.
alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2> /dev/null; }

# Wait up to $1 seconds for the command in "$@" (after the first) to succeed.
wait_for() {
  local seconds=$1; shift
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

start_munge() {
  install -d -o munge -g munge -m 755 /run/munge
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge /etc/munge
  alive /run/munge/munged.pid && return
  [[ -s /etc/munge/munge.key ]] || die "/etc/munge/munge.key is missing (the munge package writes it; or run mungekey -c)"
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  wait_for 10 munge -n || die "munged did not answer (see /var/log/munge/munged.log)"
}

start_mariadb() {
  install -d -o mysql -g mysql -m 755 "$MYSQL_RUN"
  alive "$MYSQL_RUN/mysqld.pid" && return
  if [[ ! -d /var/lib/mysql/mysql ]]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql > /dev/null
  fi
  rm -f "$MYSQL_RUN/mysqld.pid"
  /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --pid-file="$MYSQL_RUN/mysqld.pid" \
    --socket="$MYSQL_RUN/mysqld.sock" > /var/log/mysql-cluster.log 2>&1 &
  wait_for 30 mariadb --socket="$MYSQL_RUN/mysqld.sock" -e 'select 1' || die "mariadbd did not start (see /var/log/mysql-cluster.log)"
  mariadb --socket="$MYSQL_RUN/mysqld.sock" <<SQL
CREATE DATABASE IF NOT EXISTS $DB_NAME;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
}

write_config() {
  local cpus mem_mb
  cpus=$(nproc)
  mem_mb=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
  install -d -m 755 /etc/slurm
  install -d -o slurm -g slurm -m 755 "$SLURM_RUN" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  cat > /etc/slurm/slurm.conf <<CONF
# Written by scripts/slurm/cluster.sh: a single-node test cluster.
ClusterName=mlbtc-test
SlurmctldHost=$HOST
SlurmUser=slurm
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SlurmctldPidFile=$SLURM_RUN/slurmctld.pid
SlurmdPidFile=$SLURM_RUN/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
GresTypes=gpu
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
MinJobAge=300
KillWait=10
InactiveLimit=0
NodeName=$HOST Gres=gpu:1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=small Nodes=$HOST MaxTime=10 State=UP
CONF
  cat > /etc/slurm/gres.conf <<CONF
# A fake GPU: a count-only line would put the node in INVAL.
NodeName=$HOST Name=gpu File=/dev/null
CONF
  install -o slurm -g slurm -m 600 /dev/null /etc/slurm/slurmdbd.conf
  cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
PidFile=$SLURM_RUN/slurmdbd.pid
LogFile=/var/log/slurm/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageLoc=$DB_NAME
StorageUser=$DB_USER
StoragePass=$DB_PASS
CONF
}

start_slurm() {
  if ! alive "$SLURM_RUN/slurmdbd.pid"; then
    rm -f "$SLURM_RUN/slurmdbd.pid"
    /usr/sbin/slurmdbd
    wait_for 30 sacctmgr -n show cluster || die "slurmdbd did not answer (see /var/log/slurm/slurmdbd.log)"
  fi
  # The cluster must be known to the database before slurmctld registers with it.
  sacctmgr -n show cluster format=cluster | grep -qw mlbtc-test || sacctmgr -i add cluster mlbtc-test > /dev/null
  if ! alive "$SLURM_RUN/slurmctld.pid"; then
    rm -f "$SLURM_RUN/slurmctld.pid"
    /usr/sbin/slurmctld
  fi
  if ! alive "$SLURM_RUN/slurmd.pid"; then
    rm -f "$SLURM_RUN/slurmd.pid"
    /usr/sbin/slurmd
  fi
  wait_for 60 node_idle || die "the node did not become idle: $(sinfo -h -o '%T %E' 2>&1) (see /var/log/slurm/)"
}

node_idle() { sinfo -h -n "$HOST" -o '%T' | grep -qx idle; }

stop_pidfile() {
  local file=$1
  if alive "$file"; then
    local pid
    pid=$(cat "$file")
    kill -TERM "$pid"
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2> /dev/null && kill -KILL "$pid"
  fi
  rm -f "$file"
}

case "${1:-}" in
  up)
    start_munge
    start_mariadb
    write_config
    start_slurm
    echo "cluster.sh: slurm up on $HOST ($(sinfo -h -o '%P %T' | tr '\n' ' '))"
    ;;
  down)
    stop_pidfile "$SLURM_RUN/slurmd.pid"
    stop_pidfile "$SLURM_RUN/slurmctld.pid"
    stop_pidfile "$SLURM_RUN/slurmdbd.pid"
    stop_pidfile "$MYSQL_RUN/mysqld.pid"
    stop_pidfile /run/munge/munged.pid
    echo "cluster.sh: slurm down"
    ;;
  status)
    for f in /run/munge/munged.pid "$MYSQL_RUN/mysqld.pid" "$SLURM_RUN/slurmdbd.pid" "$SLURM_RUN/slurmctld.pid" "$SLURM_RUN/slurmd.pid"; do
      if alive "$f"; then echo "running: $f ($(cat "$f"))"; else echo "stopped: $f"; fi
    done
    sinfo 2>&1 || true
    ;;
  *) die "usage: $0 up|down|status" ;;
esac
