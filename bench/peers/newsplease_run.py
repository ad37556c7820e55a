"""Peer run: news-please's library API fetching and extracting article URLs (runs in the peer virtualenv).

Usage: python newsplease_run.py URLS_FILE [--batch N]
`NewsPlease.from_urls` downloads a batch with one thread per URL, then extracts the batch in a
ProcessPoolExecutor (all cores) with its stack (newspaper4k, readability, date and language extractors).
Batches bound its memory and thread count (it keeps a whole batch's HTML in memory). Images are not
fetched (they point at the real web). Prints one JSON line: articles with text, and how many contain the
per-copy paragraph ("Update <i>:").
"""

import json
import re
import sys


def main() -> None:
    from newsplease import NewsPlease

    urls = [u.strip() for u in open(sys.argv[1]) if u.strip()]
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 50
    ok = marked = chars = 0
    for i in range(0, len(urls), batch):
        chunk = urls[i : i + batch]
        # request_args must be a dict: from_urls calls request_args.get("timeout") on it
        res = NewsPlease.from_urls(chunk, request_args={"timeout": 30}, fetch_images=False)
        for url, art in res.items():
            text = getattr(art, "maintext", None) or ""
            if text:
                ok += 1
                chars += len(text)
                n = re.search(r"-(\d+)/$", url)
                if n and f"Update {n.group(1)}:" in text:
                    marked += 1
    print(
        json.dumps(
            {"tool": "news-please", "urls": len(urls), "articles": ok, "with_marker": marked, "chars": chars}
        )
    )


if __name__ == "__main__":
    main()
