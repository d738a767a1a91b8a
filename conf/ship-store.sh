#!/bin/sh
# redirectd-ship-store: a consistent copy of the primary's store onto every
# node, swapped in while the nodes' daemons serve.  Installed in sbin by
# conf/meson.build; the reference is redirectd-ship-store(8), and
# tests/integration/test_ship_store.py runs it against running daemons
# (with a local stand-in for ssh).
#
# Why it works this way: mdb_copy -c takes a consistent snapshot while
# linkctl goes on writing.  A node's `db` is a symbolic link to a
# directory; the copy goes into a new directory and the link is replaced by
# a rename (atomic).  Copying over the data.mdb a daemon maps would crash
# it, and a directory cannot be renamed over one that holds files, so only
# the link ever changes.  The daemon sees the link point elsewhere, opens
# the new store and closes the old one between requests.
set -eu

prog=redirectd-ship-store
usage() {
	cat <<EOF
usage: $prog [--db DIR] [--owner USER] [--keep N] [--ssh CMD] NODE[:DIR]...

Copies the store DIR (default \$REDIRECTD_DB, else /var/lib/redirectd/db)
consistently with mdb_copy -c, then on each NODE, over ssh: writes it to
DIR/db.STAMP (DIR default /var/lib/redirectd), checks it arrived whole,
gives it to USER, points the symbolic link DIR/db at it (a rename) and
removes all but the newest N copies (never the one in use).

  --db DIR      the primary's store, the one linkctl writes
  --owner USER  the daemon's user, who must create lock.mdb in the new
                directory (default redirectd; empty: no chown)
  --keep N      copies kept on each node, the one in use among them
                (default 2)
  --ssh CMD     how to run a command on a node: CMD NODE COMMAND, with the
                copy on its standard input (default ssh)
  -h, --help    this text

Exit status: 0 every node swapped; 1 a node failed (the others are still
tried; a failed node keeps its store); 2 usage error.
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}
usage_error() {
	echo "$prog: $*" >&2
	echo "usage: $prog [--db DIR] [--owner USER] [--keep N] [--ssh CMD] NODE[:DIR]..." >&2
	exit 2
}

db=${REDIRECTD_DB:-/var/lib/redirectd/db}
owner=redirectd
keep=2
ssh=ssh
while [ $# -gt 0 ]; do
	case $1 in
	--db) [ $# -ge 2 ] || usage_error "--db needs a directory"; db=$2; shift 2 ;;
	--owner) [ $# -ge 2 ] || usage_error "--owner needs a user"; owner=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || usage_error "--keep needs a number"; keep=$2; shift 2 ;;
	--ssh) [ $# -ge 2 ] || usage_error "--ssh needs a command"; ssh=$2; shift 2 ;;
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

snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
trap 'exit 1' HUP INT TERM
mdb_copy -c "$db" "$snap" || die "mdb_copy -c $db failed: nothing shipped"
sum=$(sha256sum <"$snap/data.mdb")
sum=${sum%% *}
# Names sort by time, to the nanosecond: two runs never share a directory.
stamp=db.$(date -u +%Y%m%dT%H%M%S.%NZ)

# The node's side, in POSIX sh.  The copy arrives on standard input; an ssh
# connection that breaks ends it early, so the checksum decides, and
# nothing is switched before it matches.  The new directory is synced
# before the link points at it, and the link's directory after.
remote() {  # remote DIR
	cat <<EOF
set -eu
cd '$1'
if [ ! -L db ]; then
	echo "$1/db is not a symbolic link; once, with the daemon stopped: cd $1 && mv db db.initial && ln -s db.initial db" >&2
	exit 1
fi
trap 'rm -rf $stamp.part' EXIT
mkdir $stamp.part
cat >$stamp.part/data.mdb
got=\$(sha256sum <$stamp.part/data.mdb)
if [ "\${got%% *}" != $sum ]; then
	echo "the copy arrived damaged (checksum differs): $1/db unchanged" >&2
	exit 1
fi
sync $stamp.part/data.mdb
[ -z '$owner' ] || chown -R '$owner': $stamp.part
mv -T $stamp.part $stamp
ln -sfn $stamp db.new
mv -T db.new db
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
	if $ssh "$host" "$(remote "$dir")" <"$snap/data.mdb"; then
		echo "$host: $dir/db -> $stamp"
	else
		echo "$prog: $host: $dir/db not swapped" >&2
		failed=1
	fi
	set +f
done
exit $failed
