/*
 * uarules: the built-in User-Agent rules (see uarules.h).  Change them with
 * bench/ua_accuracy.sh at hand: it measures them against public lists.
 */
#include "uarules.h"

#include "platform.h"
#include "uaclass.h"

const struct builtin ua_builtins[] = {
	/* ---- link previews (unfurlers): fetch a page to draw a card. */
	/* Facebook and Instagram share; iMessage sends "facebookexternalhit/1.1
	 * Facebot Twitterbot/1.0"; LINE sends "facebookexternalhit/1.1;
	 * line-poker/1.0". */
	{ T_SERVICE, CLASS_PREVIEW, 0, W_ANY,
	  "facebookexternalhit|meta-externalhit|twitterbot|linkedinbot|"
	  "slackbot|slack-imgproxy|discordbot|telegrambot|skypeuripreview|"
	  "microsoftpreview|bingpreview|redditbot|pinterestbot|pinterest/0.|"
	  "cardyb|blueskypreviewbot|bluesky-domain-status|"
	  "snap url preview|snapurlpreview|kakaotalk-scrap|vkshare|"
	  "yahoo link preview|yahoomailproxy|embedly|iframely|"
	  "quora link preview|quora-bot|flipboardproxy|line-poker|"
	  "synapse (bot|mattermost-bot|nextcloud server crawler|"
	  "discourse forum onebox|zulipurlpreview|keybasebot|groupmebot|"
	  "odklbot|linespider|steamchaturllookup|chatwork linkpreview|"
	  "dingtalkbot|github-camo|googleimageproxy|google web preview|"
	  "google-pagerenderer|developers.google.com/+/web/snippet|"
	  "evernoterichlinkbot|clickuplinkunfurler|mediumbot-metatagfetcher|"
	  "bufferlinkpreviewbot|orlo-linkpreview|opengraph.io|twilioproxy|"
	  "summalybot|unfurlbot|arenaunfurlbot|tweetmemebot|everyonesocialbot|"
	  "newsharecounts|jetslide|hatena antenna|xing bot|vkrobot|gg peekbot|"
	  "loomlybot|shortwave image fetcher|fastmailua|codabot|listgembot|"
	  "aasa-bot|supabase paired crawler|dazzle bluesky bot|"
	  "compatible; goodreads|mastodon/|pleroma|akkoma|misskey/|gotosocial|friendica|"
	  "pixelfed/|firefish/|calckey/|sharkey/|iceshrimp|hubzilla|"
	  "lemmy/|takahe/|bookwyrm" },
	/* Anchored: these names also occur inside the desktop apps' Electron
	 * User-Agents (Notion) or could inside a browser's (WhatsApp, Viber,
	 * Tumblr); only the fetchers start with them.  Signal's previews
	 * send "WhatsApp/2". */
	{ T_SERVICE, CLASS_PREVIEW, 0, W_ANY,
	  "^whatsapp|^viber|^tumblr/|^notion/|^bluesky/|^ning/|^nuzzel" },
	/* Outlook for Windows fetches links in mail for its previews with
	 * "Microsoft Office/16.0 (...; Microsoft Outlook ...)"; Office's own
	 * pre-flight checks before opening a link are tools (below). */
	{ T_SERVICE, CLASS_PREVIEW, 0, W_ANY, "microsoft office/" },

	/* ---- crawlers: search engines, SEO, archives, AI training. */
	/* meta-externalagent crawls for AI training; facebookcatalog for
	 * shopping catalogues; Facebot for ads. */
	{ T_SERVICE, CLASS_CRAWLER, 0, W_ANY,
	  "googlebot|google-inspectiontool|googleother|adsbot-google|"
	  "mediapartners-google|storebot-google|"
	  "google-site-verification|google-adwords|google-ads-|owler (|"
	  "google-certificates-bridge|google-physicalweb|google favicon|"
	  "playstore-google|google-xrawler|bingbot|msnbot|adidxbot|applebot|"
	  "duckduckbot|duckassistbot|baiduspider|yandexbot|yandeximages|"
	  "yandex.com/bots|slurp|seznambot|sogou|exabot|ahrefsbot|ahrefssite|"
	  "semrushbot|siteauditbot|mj12bot|dotbot|petalbot|bytespider|"
	  "tiktokspider|gptbot|oai-searchbot|claudebot|claude-searchbot|"
	  "anthropic-ai|ccbot|archive.org_bot|ia_archiver|heritrix|amazonbot|"
	  "perplexitybot|youbot|diffbot|cohere-ai|ai2bot|imagesiftbot|"
	  "timpibot|omgili|webzio|mojeekbot|qwantify|qwantbot|coccocbot|"
	  "yeti/|daumoa|seekport|blexbot|dataforseobot|serpstatbot|"
	  "barkrowler|megaindex|linkdexbot|rogerbot|screaming frog|sitebulb|"
	  "awariobot|magpie-crawler|zoominfobot|proximic|grapeshot|"
	  "mediatoolkitbot|neevabot|ioncrawl|facebookcatalog|facebot|"
	  "meta-externalagent|meta-webindexer|meta-externalads|nutch|"
	  "netcraft|yahoocachesystem|ichiro/|swisscows|marginalia|"
	  "library of congress|archive-it|webcapture|miniature.io|"
	  "datanyze|dataprovider|ips-agent|outbrain|adbeat|admantx|"
	  "pixalate|scope3|hype machine|meltwater|brandwatch|um-ln/|"
	  "trendsmapresolver|twingly|attracta|infegy|linkdex|panscient|"
	  "amazon-kendra|kangaroo bot|bravebot|yisouspider|brandverity|"
	  "snapchatads|newsnow/|pro-sitemaps|netshelter|evc-batch|"
	  "rsiteauditor|montools.com" },

	/* ---- tools: scripted and headless clients, monitors, scanners,
	 * feed readers, AI agents fetching for a user (not a click). */
	{ T_SERVICE, CLASS_TOOL, 0, W_ANY,
	  "headlesschrome|phantomjs|puppeteer|playwright|selenium|slimerjs|"
	  "htmlunit|splash version|testlocally|ghost inspector|"
	  "uptimerobot|pingdom|statuscake|site24x7|betteruptime|"
	  "better uptime|betterstack|uptime-kuma|uptimekuma|freshping|"
	  "hetrixtools|newrelicpinger|datadog|checkly|monitis|updown.io|"
	  "zgrab|nmap|masscan|nuclei|sqlmap|nikto|acunetix|qualys|censys|"
	  "expanse|paloaltonetworks|shodan|netsparker|wpscan|openvas|"
	  "gobuster|dirbuster|feroxbuster|wfuzz|zmeu|l9explore|leakix|"
	  "internetmeasurement|w3c-checklink|w3c_validator|linkchecker|"
	  "link sleuth|linkwalker|linktiger|feedly|inoreader|feedbin|"
	  "newsblur|theoldreader|feedfetcher|tiny tiny rss|freshrss|miniflux|"
	  "newsboat|feeder.co|feedflow|blogtrottr|nextcloud-news|openrss|"
	  "feedburner|feedparser|rss-parser|ms-office|existence discovery|"
	  "protocol discovery|google-read-aloud|googledocs|google-apps-script|"
	  "apis-google|google-safety|meta-externalfetcher|chatgpt-user|"
	  "claude-user|claude-web|perplexity-user|mistralai-user|manus-user|"
	  "googleagent|google-agent|gecko) code/|gecko) cursor/|gecko) trae/|"
	  "httrack|webcopier|sitesucker|cyotekwebcopy|offline explorer|"
	  "teleport pro|webzip|zapier|integromat|make/production|"
	  "ifttt|postmanruntime|insomnia|nyt_scraping|collapsify|"
	  "criticalcss|penthouse|pwabuilder|readable/|printfriendly|"
	  "nitro-optimizer|marketgoo|hotjar|zoterotranslation|"
	  "instaparser|instapaper|pocketparser|wallabag|remove.bg|"
	  "pdf24|imgproxy|cloudflare|amazon cloudfront|salesforce.com|"
	  "sfdc-callout|sendgrid|sparkpost|shopify-captain-hook|webhook|"
	  "geedoshop|impact.com|mailservertest|ugaresearch|appinsights|"
	  "siteimprove|dareboost|chrome-lighthouse|ptst/|cookiehub|"
	  "hardenize|newrelicsynthetics|silktide|thousandeyes|keydrop.io|"
	  "poduptime|sindup|sqwatcher|gtmetrix|securityheaders|rigor)|"
	  "watchtowr|foregenix|newsai/|xmco.fr|upday/" },
	/* Synthetic monitoring: a script in a real browser, or an agent,
	 * replaying a visit on schedule (Catchpoint, Dynatrace's Gomez, Rigor,
	 * DejaClick, Keynote/Dynatrace's pageburst): tools, as uptimerobot. */
	{ T_SERVICE, CLASS_TOOL, 0, W_ANY,
	  "catchpoint|gomezagent|gomez agent|dejaclick|pageburst|"
	  "ktxn|keynote|dynatrace|appdynamics|sitescope|alertsite|"
	  "spuseragent|uptrends|apicasystem|webpagetest|"
	  "elastic/synthetics|synthetics-" },
	/* Google's fetchers that are not search.  PageSpeed Insights audits
	 * a page as Lighthouse does (tool, as chrome-lighthouse); Web Light
	 * transcodes a page for a slow phone, a proxy's fetch, not a click
	 * (tool).  The Search Console's URL inspection and structured-data
	 * test fetch as Google-InspectionTool does (crawler, as it is above);
	 * so do Duplex on the web, which crawls to train, the AMP cache and
	 * Vertex AI Search's indexer. */
	{ T_SERVICE, CLASS_TOOL, 0, W_ANY,
	  "google page speed|pagespeed insights|google-pagespeed|"
	  "googleweblight|google-speakr" },
	{ T_SERVICE, CLASS_CRAWLER, 0, W_ANY,
	  "google search console|google-searchconsole|"
	  "google-structured-data|duplexweb-google|google-duplex|"
	  "google-amphtml|google-cloudvertexbot" },
	/* Archivers run by a person over their bookmarks (ArchiveBox,
	 * SingleFile, Wayback Machine's "save page now" is archive.org_bot):
	 * tools, as httrack. */
	{ T_SERVICE, CLASS_TOOL, 0, W_ANY,
	  "archivebox|singlefile|browsertrix|conifer|webrecorder|"
	  "monolith/|linkwarden|hoarder|karakeep|shiori/" },
	/* AI agents acting for a user, which name themselves ("Devin/1.0
	 * (+https://devin.ai)", "(+devin.ai)"): tools, as chatgpt-user. */
	{ T_SERVICE, CLASS_TOOL, 0, W_ANY,
	  "devin.ai|devin/|openhands|browser-use|browseruse|skyvern|"
	  "multion|operator.chatgpt|computer-use|project mariner|"
	  "agentql|stagehand|jina.ai|r.jina" },
	/* Vulnerability scanners write their payload into the User-Agent:
	 * SQL ("' OR 1=1--", "UNION SELECT", "SLEEP(5)"), template and
	 * expression injection ("${jndi:ldap://", "{{7*7}}", "#{...}", "%{"),
	 * script ("<script", "javascript:"), shell ("() { :; };", "$(",
	 * "`"), paths ("../", "/etc/passwd").  No browser sends any of them:
	 * tools, as sqlmap, however browser-like the rest. */
	{ T_SERVICE, CLASS_TOOL, 0, W_ANY,
	  "' or |'or'|\" or |or 1=1|and 1=1|' and |union select|union all select|"
	  "select * from|select%20|sleep(|benchmark(|waitfor delay|pg_sleep|"
	  "xp_cmdshell|information_schema|extractvalue(|updatexml(|"
	  "--+|';|\";|/*!|char(|concat(|"
	  "${|{{|}}|#{|%{|<%|%>|<?|<script|</script|script>|javascript:|"
	  "onerror=|onload=|alert(|prompt(|<svg|<img|<iframe|"
	  "() {|$(|`|../|..\\|/etc/passwd|/bin/sh|/bin/bash|cmd.exe|"
	  "%00|%0d%0a|%0a|%3c|%3e|%27|%22|jndi:" },

	/* ---- HTTP libraries and command-line clients. */
	{ T_LIBRARY, CLASS_TOOL, 0, W_ANY,
	  "curl|wget|python-requests|python-urllib|python/|aiohttp|httpx|"
	  "go-http-client|java/|jakarta commons-httpclient|apache-httpclient|"
	  "okhttp|node-fetch|axios/|undici|got (|guzzlehttp|php/|libwww-perl|"
	  "lwp::|lwp-|http.rb/|faraday|rest-client|typhoeus|winhttp|"
	  "dalvik/|cfnetwork/|httpie/|scrapy|colly|mechanize|reqwest|hyper/|"
	  "http_request2|zend_http_client|symfony|dart:io|restsharp|"
	  "jersey/|jetty/|ahc/|asynchttpclient|akka-http|newspaper/|"
	  "google-http-java-client|go-resty|fasthttp|deno/|bun/|wordpress/|"
	  "pcore-http|http_get|httpunit|larbin|indy library|btwebclient|"
	  "customasynchttpclient|powershell|libcurl|urllib|requests/|"
	  "aria2" },

	/* ---- in-app browsers: humans, with the app when it has a platform.
	 * They outrank generic words because their device fields are free
	 * text ("...; CUBOT; KINGKONG 5 Pro; mt6761; ..."), and never a named
	 * service (Bytespider, facebookexternalhit, Snap URL Preview outrank
	 * them).  Each is the app's exact token ("snapchat/", not "snapchat",
	 * which SnapchatAds also carries), so that outranking stays narrow. */
	{ T_INAPP, CLASS_HUMAN, PLATFORM_FACEBOOK, W_ANY,
	  "fban/|fbav/|fb_iab/|fbios|messengerforios|orca-android|metaiab" },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_INSTAGRAM, W_ANY, "instagram " },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_THREADS, W_ANY, "barcelona " },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_LINKEDIN, W_ANY, "linkedinapp" },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_X, W_ANY,
	  "twitter for iphone|twitter for ipad|twitterandroid|"
	  "twitter for android" },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_TIKTOK, W_ANY,
	  "musical_ly|bytedancewebview|trill_" },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_REDDIT, W_ANY, "reddit/version" },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_YOUTUBE, W_ANY, "com.google.ios.youtube" },
	{ T_INAPP, CLASS_HUMAN, PLATFORM_OTHER, W_ANY,
	  "snapchat/|[pinterest/| line/|micromessenger|kakaotalk|"
	  "telegram-android|naver(inapp|daumapps" },
	/* Browsers whose User-Agent does not start as "Mozilla/5.0 (": text
	 * browsers, UC Browser's own format ("UCWEB/2.0 (Java; ...) U2/1.0.0
	 * UCBrowser/9.4", also after a feature phone's name, and "JUC (Linux;
	 * U; ...) UCWEB7.9"), Opera Mini and Dillo.  They vouch for a human on
	 * their own (W_BROWSER); a named service still outranks them. */
	{ T_INAPP, CLASS_HUMAN, 0, W_BROWSER,
	  "^lynx/|^links (|^links/|^elinks/|^elinks (|^w3m/|^browsh/|"
	  "^ucweb/|ucweb/2.0 (|ucbrowser/|^juc (|^ucmini/|^dillo/|"
	  "^opera/9.80 (j2me/midp|^netsurf/" },
	/* Device names holding a generic word ("CUBOT" phones). */
	{ T_INAPP, CLASS_HUMAN, 0, W_ANY, "cubot" },

	/* ---- generic words: only when nothing named matched.  Contacts
	 * count anywhere: a browser never carries a URL or an address. */
	{ T_GENERIC, CLASS_CRAWLER, 0, W_ANY,
	  "+http|http://|https://|mailto:|(at)|[at]" },
	/* A comment entry that ends in "bot" names one wherever it is
	 * ("(Macintosh; Intel Mac OS X 10_15_7; TSMbot)", "(Windows NT 10.0;
	 * cludo.com bot)"): no device, app or company name seen ends so. */
	{ T_GENERIC, CLASS_CRAWLER, 0, W_ANY, "bot;|bot)" },
	/* Words of automation (and host-name fragments): in a browser's
	 * User-Agent only where they stand, in a "(compatible; ...)" list of
	 * products; elsewhere there they are an app's or a company's name
	 * (CamScanner, PriceCheck, "Abbott Labs" in IE): uaclass.c,
	 * ua_classify. */
	{ T_GENERIC, CLASS_CRAWLER, 0, W_STANDING,
	  "bot|crawl|spider|archiver|indexer|sitemap|www.|.com" },
	{ T_GENERIC, CLASS_TOOL, 0, W_STANDING,
	  "scraper|scraping|fetcher|http-client|httpclient|http client|"
	  "scan|monitor|check|audit|headless|validator|feed|lighthouse|"
	  "synthetic|optimizer|rss|uptime" },
	{ T_GENERIC, CLASS_PREVIEW, 0, W_STANDING, "preview|unfurl" },
};

const size_t ua_n_builtins = sizeof ua_builtins / sizeof ua_builtins[0];
