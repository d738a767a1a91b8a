#!/usr/bin/env bash
# ua_accuracy.sh: precision and recall of the User-Agent classifier
# (redirectd/common/uarules.c, matched by uaclass.c) on thousands of real User-Agents.
#
#   bash bench/ua_accuracy.sh [ua_eval options: -t to time, -q, -r RULES]
#
# Fetches two npm packages into a temporary directory (deleted on exit;
# their data is never kept in this repository):
#   crawler-user-agents (MIT): known crawlers, each pattern with "instances",
#     real User-Agents seen in logs, and tags; labeled not human, by tag:
#     social-preview -> preview; http-library, browser-automation,
#     monitoring, scanner, feed-reader -> tool; the rest -> crawler.
#   user-agents (BSD-2): real browsers' User-Agents from real traffic;
#     labeled human.
# A few instances are relabeled by hand below, each with its reason.  Then
# runs bench/ua_eval (built in $BUILD_DIR, default build/) over the lot.
# Needs node and npm.  Versions are pinned so figures can be compared;
# override with UA_PACKAGES="crawler-user-agents@X user-agents@Y".
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
packages=${UA_PACKAGES:-crawler-user-agents@1.60.0 user-agents@2.1.198}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
meson compile -C "$build" bench/ua_eval >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
(cd "$tmp" && npm pack --silent $packages >/dev/null)
for f in "$tmp"/*.tgz; do
	d=${f%.tgz}
	mkdir -p "$d"
	tar xzf "$f" -C "$d"
done

node - "$tmp" > "$tmp/labeled.tsv" <<'JS'
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

echo "data: $packages ($(wc -l < "$tmp/labeled.tsv") distinct User-Agents)"
"$build/bench/ua_eval" "$@" < "$tmp/labeled.tsv"
