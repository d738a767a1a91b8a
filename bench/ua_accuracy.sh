#!/usr/bin/env bash
# ua_accuracy.sh: precision and recall of the User-Agent classifier
# (redirectd/common/uarules.c, matched by uaclass.c), on the project's own
# lists and on thousands of real User-Agents, and what a classification
# costs.
#
#   bash bench/ua_accuracy.sh [ua_eval options: -t to time, -q, -r RULES]
#
# Three sets, each through bench/ua_eval (built in $BUILD_DIR, default
# build/; "not human" is the positive class; per class too):
#   1. tests/data/ua/labeled.tsv: the project's labelled User-Agents;
#   2. tests/data/ua/families.tsv: the families of issue 16, all together
#      and one line per family;
#   3. two npm packages fetched into a temporary directory (deleted on exit;
#      their data is never kept in this repository), skipped with UA_NPM=0
#      or without npm:
#   crawler-user-agents (MIT): known crawlers, each pattern with "instances",
#     real User-Agents seen in logs, and tags; labeled not human, by tag:
#     social-preview -> preview; http-library, browser-automation,
#     monitoring, scanner, feed-reader -> tool; the rest -> crawler.
#   user-agents (BSD-2): real browsers' User-Agents from real traffic;
#     labeled human.
# A few instances are relabeled by hand below, each with its reason.
# Needs node and npm for set 3.  Versions are pinned so figures can be
# compared; override with UA_PACKAGES="crawler-user-agents@X user-agents@Y".
#
# UA_COST=1 also counts, with callgrind, the instructions ua_classify
# executes per call (inclusive, every call of ua_eval's one pass), over all
# lines and the human lines of the npm set (or of set 1 without it): a
# figure that, unlike time, other load on the machine does not move.
# Compare revisions with BUILD_DIR pointing at another revision's build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
packages=${UA_PACKAGES:-crawler-user-agents@1.60.0 user-agents@2.1.198}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
meson compile -C "$build" bench/ua_eval >/dev/null

eval_bin="$build/bench/ua_eval"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# class<TAB>platform<TAB>ua, '#' comments -> label<TAB>ua
to_eval() {
	grep -v '^#' "$1" | awk -F'\t' 'NF >= 3 { print $1 "\t" $3 }'
}

# Instructions per ua_classify call over a label<TAB>ua file.
cost() {
	local n ir
	n=$(wc -l < "$1")
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
		--toggle-collect=ua_classify "$eval_bin" -q < "$1" \
		> /dev/null 2> "$tmp/cg.log"
	ir=$(callgrind_annotate "$tmp/cg.out" 2>/dev/null |
	     awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	printf '  %-28s %6d calls, %6.0f instructions per call\n' "$2" "$n" \
		"$(echo "$ir / $n" | bc -l)"
}

echo "== 1. tests/data/ua/labeled.tsv"
to_eval tests/data/ua/labeled.tsv > "$tmp/labeled.tsv"
"$eval_bin" "$@" < "$tmp/labeled.tsv"

echo
echo "== 2. tests/data/ua/families.tsv"
to_eval tests/data/ua/families.tsv > "$tmp/families.tsv"
"$eval_bin" "$@" < "$tmp/families.tsv"
echo "by family (not human: precision, recall; humans lost):"
for fam in $(sed -n 's/^# family: \([a-z_]*\).*/\1/p' tests/data/ua/families.tsv); do
	awk -v f="$fam" '/^# family: / { on = ($3 == f); next }
	                 on && /^#/ { next } on && NF { print }' \
		tests/data/ua/families.tsv > "$tmp/fam.raw"
	to_eval "$tmp/fam.raw" > "$tmp/fam.tsv"
	"$eval_bin" -q < "$tmp/fam.tsv" > "$tmp/fam.out"
	printf '  %-11s %3d rows  %s; %s\n' "$fam" "$(wc -l < "$tmp/fam.tsv")" \
		"$(grep '^precision' "$tmp/fam.out")" \
		"$(sed -n 's/.*; \([0-9]* humans lost of [0-9]*\)/\1/p' "$tmp/fam.out")"
done

cost_set="$tmp/labeled.tsv"
if [ "${UA_NPM:-1}" = 0 ] || ! command -v npm > /dev/null; then
	echo
	echo "== 3. npm lists skipped (UA_NPM=0 or no npm)"
else
echo
# shellcheck disable=SC2086
(cd "$tmp" && npm pack --silent $packages >/dev/null)
for f in "$tmp"/*.tgz; do
	d=${f%.tgz}
	mkdir -p "$d"
	tar xzf "$f" -C "$d"
done

node - "$tmp" > "$tmp/npm.tsv" <<'JS'
const fs = require("fs"), path = require("path");
const dir = process.argv[2];
const find = (prefix, file) => {
	for (const d of fs.readdirSync(dir))
		if (d.startsWith(prefix) && !d.endsWith(".tgz")) {
			const p = path.join(dir, d, "package", file);
			if (fs.existsSync(p)) return p;
		}
	throw new Error("no " + prefix + "/" + file);
};
// Instances that are not what their list says, by exact substring.
const relabel = [
	// Facebook's own in-app browser ("MetaIAB Facebook"), listed as a
	// social preview: a person tapping a link in the Facebook app.
	["MetaIAB Facebook", "human"],
	// Fluid: a site-specific browser for macOS, a person at the wheel.
	["Fluid/0.9.6", "human"],
	// Listed as a scanner that sends, byte for byte, the User-Agent of
	// Instagram's in-app browser on an OPPO phone: no User-Agent rule can
	// tell the two apart, and the real app sends it from real people.
	["Instagram 406.0.0.58.159 Android (35/15; 480dpi; 1080x2400; OPPO; " +
	 "CPH2557", "human"],
];
const toolTags = ["http-library", "browser-automation", "monitoring",
                  "scanner", "feed-reader"];
const seen = new Set(), out = [];
const clean = (ua) => ua.replace(/[\t\r\n]/g, " ");
for (const e of JSON.parse(fs.readFileSync(
		find("crawler-user-agents", "crawler-user-agents.json")))) {
	const tags = e.tags || [];
	let label = tags.includes("social-preview") ? "preview"
		: tags.some((t) => toolTags.includes(t)) ? "tool" : "crawler";
	for (const ua of e.instances || []) {
		if (seen.has(ua) || ua.trim() === "") continue;
		seen.add(ua);
		let l = label;
		for (const [s, to] of relabel) if (ua.includes(s)) l = to;
		out.push(l + "\t" + clean(ua));
	}
}
for (const e of JSON.parse(fs.readFileSync(
		find("user-agents", "dist/user-agents.json")))) {
	const ua = e.userAgent;
	if (!ua || seen.has(ua)) continue;
	seen.add(ua);
	out.push("human\t" + clean(ua));
}
process.stdout.write(out.join("\n") + "\n");
JS

echo "== 3. $packages ($(wc -l < "$tmp/npm.tsv") distinct User-Agents)"
"$eval_bin" "$@" < "$tmp/npm.tsv"
cost_set="$tmp/npm.tsv"
fi

if [ "${UA_COST:-0}" = 1 ]; then
	echo
	echo "== cost of ua_classify (callgrind, $eval_bin)"
	grep '^human' "$cost_set" > "$tmp/human.tsv" || true
	cost "$cost_set" "all lines"
	cost "$tmp/human.tsv" "human lines"
fi
