#!/bin/sh
# redirectd-ship-store: a verified copy of the primary's store onto every
# node, swapped in while the nodes' daemons serve.  Installed in sbin by
# conf/meson.build (which writes the installed linkctl's path in below);
# the reference is redirectd-ship-store(8), and
# tests/integration/test_ship_store.py runs it against running daemons
# (with a local stand-in for ssh).
#
# Why it works this way: linkctl backup takes a consistent, compacted
# snapshot (one read transaction, the store's identity kept) while linkctl
# goes on writing, and linkctl verify checks it before any node sees it.
# A node's `db` is a symbolic link to a directory; the copy goes into a new
# directory and the link is replaced by a rename (atomic).  Copying over
# the data.mdb a daemon maps would crash it, and a directory cannot be
# renamed over one that holds files, so only the link ever changes.  The
# daemon sees the link point elsewhere, opens the new store and closes the
# old one between requests.
set -eu

prog=redirectd-ship-store
# The linkctl installed with this script (meson rewrites the path).
installed_linkctl=/usr/bin/linkctl
usage() {
	cat <<EOF
usage: $prog [--db DIR] [--owner USER] [--keep N] [--ssh CMD]
       [--linkctl PATH] NODE[:DIR]...

Copies the store DIR (default \$REDIRECTD_DB, else /var/lib/redirectd/db)
consistently with linkctl backup and checks the copy with linkctl verify
(a copy that fails is shipped nowhere), then on each NODE, over ssh:
writes it to DIR/db.STAMP (DIR default /var/lib/redirectd, created if
missing), checks it arrived whole, gives it to USER, points the symbolic
link DIR/db at it (a rename; a node's first store makes the link) and
removes all but the newest N copies (never the one in use).

  --db DIR      the primary's store, the one linkctl writes
  --owner USER  the daemon's user, who must create lock.mdb in the new
                directory (default redirectd; empty: no chown)
  --keep N      copies kept on each node, the one in use among them
                (default 2)
  --ssh CMD     how to run a command on a node: CMD NODE COMMAND, with the
                copy on its standard input (default ssh)
  --linkctl PATH
                the linkctl that copies and verifies (default
                \$REDIRECTD_LINKCTL, else linkctl on PATH, else
                $installed_linkctl)
  -h, --help    this text

Exit status: 0 every node swapped; 1 the copy failed or did not verify
(no node contacted), or a node failed (the others are still tried; a
failed node keeps its store); 2 usage error.
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}
usage_error() {
	echo "$prog: $*" >&2
	echo "usage: $prog [--db DIR] [--owner USER] [--keep N] [--ssh CMD] [--linkctl PATH] NODE[:DIR]..." >&2
	exit 2
}

db=${REDIRECTD_DB:-/var/lib/redirectd/db}
owner=redirectd
keep=2
ssh=ssh
linkctl=${REDIRECTD_LINKCTL:-}
while [ $# -gt 0 ]; do
	case $1 in
	--db) [ $# -ge 2 ] || usage_error "--db needs a directory"; db=$2; shift 2 ;;
	--owner) [ $# -ge 2 ] || usage_error "--owner needs a user"; owner=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || usage_error "--keep needs a number"; keep=$2; shift 2 ;;
	--ssh) [ $# -ge 2 ] || usage_error "--ssh needs a command"; ssh=$2; shift 2 ;;
	--linkctl) [ $# -ge 2 ] || usage_error "--linkctl needs a path"; linkctl=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	-*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage_error "no node given"
case $keep in
''|*[!0-9]*|0) usage_error "--keep takes a whole number from 1, got '$keep'" ;;
esac
# What goes into the remote command line must need no quoting there.
case $owner in
*[!A-Za-z0-9._-]*) usage_error "--owner: not a user name: '$owner'" ;;
esac
for spec in "$@"; do
	host=${spec%%:*}
	case $spec in *:*) dir=${spec#*:} ;; *) dir=/var/lib/redirectd ;; esac
	case $host in
	''|-*|*[!A-Za-z0-9@._-]*) usage_error "not a node: '$spec'" ;;
	esac
	case $dir in
	/*) ;;
	*) usage_error "$spec: the directory must be absolute" ;;
	esac
	case $dir in
	*[!A-Za-z0-9._/-]*) usage_error "$spec: a directory of [A-Za-z0-9._/-] only" ;;
	esac
done
if [ -z "$linkctl" ]; then
	if command -v linkctl >/dev/null 2>&1; then
		linkctl=linkctl
	elif [ -x "$installed_linkctl" ]; then
		linkctl=$installed_linkctl
	else
		die "linkctl not found (on PATH, or $installed_linkctl): give it with --linkctl PATH; nothing shipped"
	fi
fi

snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
trap 'exit 1' HUP INT TERM
# Its own output only when something is wrong: cron mails what we print.
"$linkctl" --db "$db" backup "$snap/db" >/dev/null 2>"$snap/said" || {
	cat "$snap/said" >&2
	die "linkctl backup of $db failed: nothing shipped"
}
if ! "$linkctl" --db "$snap/db" verify >/dev/null 2>"$snap/said"; then
	cat "$snap/said" >&2
	# verify names each problem, then says how many (of the copy's
	# temporary path, gone when we exit: not repeated).
	first=$(sed -n '1s/^linkctl: verify: //p' "$snap/said")
	count=$(sed -n '$s/.*: \([0-9][0-9]* problems*\);.*/\1/p' "$snap/said")
	die "the copy of $db fails linkctl verify ($first${count:+; $count in all}): nothing shipped, no node contacted; run linkctl --db $db verify"
fi
sum=$(sha256sum <"$snap/db/data.mdb")
sum=${sum%% *}
# Names sort by time, to the nanosecond: two runs never share a directory.
stamp=db.$(date -u +%Y%m%dT%H%M%S.%NZ)

# The node's side, in POSIX sh.  The copy arrives on standard input; an ssh
# connection that breaks ends it early, so the checksum decides, and
# nothing is switched before it matches.  The new directory is synced
# before the link points at it, and the link's directory after.  The copy
# is received without a lock (runs ship in parallel); the switch and the
# pruning hold DIR/.ship-store.lock, so two runs never interleave there:
# a run never prunes the copy another just switched to, and a run whose
# copy is older than the one in use does not switch back to it.
remote() {  # remote DIR
	cat <<EOF
set -eu
umask 077
if [ ! -e '$1' ]; then
	(umask 022 && mkdir -p '$1')
fi
cd '$1'
if [ -e db ] && [ ! -L db ]; then
	echo "$1/db is not a symbolic link; once, with the daemon stopped: cd $1 && mv db db.initial && ln -s db.initial db" >&2
	exit 1
fi
trap 'rm -rf $stamp.part $stamp.link' EXIT
trap 'exit 1' HUP INT TERM PIPE
mkdir $stamp.part
cat >$stamp.part/data.mdb
got=\$(sha256sum <$stamp.part/data.mdb)
if [ "\${got%% *}" != $sum ]; then
	echo "the copy arrived damaged (checksum differs): $1/db unchanged" >&2
	exit 1
fi
chmod 0750 $stamp.part
chmod 0640 $stamp.part/data.mdb
if [ -n '$owner' ]; then
	chown -R '$owner': $stamp.part
	# The daemon, as its user, reaches data.mdb through every directory
	# above it and creates lock.mdb beside it.
	if [ "\$(id -u)" = 0 ] && [ "\$(id -un)" != '$owner' ] && command -v runuser >/dev/null 2>&1; then
		if ! runuser -u '$owner' -- test -r "\$PWD/$stamp.part/data.mdb" -a -w "\$PWD/$stamp.part"; then
			p=
			for c in \$(echo "\$PWD/$stamp.part" | tr / ' '); do
				p=\$p/\$c
				runuser -u '$owner' -- test -x "\$p" || break
			done
			echo "$owner cannot search \$p: the daemon, as $owner, could not open the copy; chmod o+x \$p (or give it to $owner's group) and ship again: $1/db unchanged" >&2
			exit 1
		fi
	fi
fi
sync $stamp.part/data.mdb $stamp.part
exec 9>>.ship-store.lock
flock -w 600 9 || {
	echo "another redirectd-ship-store held $1/.ship-store.lock for 10 minutes: $1/db unchanged" >&2
	exit 1
}
cur=\$(readlink db || true)
case \$cur in
db.[0-9]*Z)
	if [ "\$(printf '%s\n' "\$cur" $stamp | sort | tail -n 1)" != $stamp ]; then
		echo "$1/db already points at a newer copy (\$cur) than this run's ($stamp): not switched back" >&2
		exit 1
	fi ;;
esac
mv -T $stamp.part $stamp
ln -s $stamp $stamp.link
mv -T $stamp.link db
sync .
ls -d db.[0-9]*Z | sort | head -n -$keep | while read -r old; do
	[ "\$old" = "\$(readlink db)" ] || rm -rf "\$old"
done
EOF
}

failed=0
for spec in "$@"; do
	host=${spec%%:*}
	case $spec in *:*) dir=${spec#*:} ;; *) dir=/var/lib/redirectd ;; esac
	# --ssh is a command line: split it into words, without globbing.
	set -f
	if $ssh "$host" "$(remote "$dir")" <"$snap/db/data.mdb"; then
		echo "$host: $dir/db -> $stamp"
	else
		echo "$prog: $host: $dir/db not swapped" >&2
		failed=1
	fi
	set +f
done
exit $failed
