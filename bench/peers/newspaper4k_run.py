"""Peer run: newspaper4k fetching and parsing article URLs (runs in the peer virtualenv).

Usage: python newspaper4k_run.py URLS_FILE [--batch N] [--threads N]
Its documented multi-article API, `newspaper.mthreading.fetch_news`, downloads and parses in a thread pool
(one process). Batches keep memory bounded (each Article keeps its HTML). Images are not fetched.
Prints one JSON line like newsplease_run.py.
"""

import json
import re
import sys


def main() -> None:
    from newspaper import Article
    from newspaper.mthreading import fetch_news

    urls = [u.strip() for u in open(sys.argv[1]) if u.strip()]
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 50
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 5
    ok = marked = chars = 0
    for i in range(0, len(urls), batch):
        arts = [Article(u, fetch_images=False) for u in urls[i : i + batch]]
        for art in fetch_news(arts, threads=threads):
            text = art.text or ""
            if text:
                ok += 1
                chars += len(text)
                n = re.search(r"-(\d+)/$", art.url)
                if n and f"Update {n.group(1)}:" in text:
                    marked += 1
    print(
        json.dumps(
            {"tool": "newspaper4k", "urls": len(urls), "articles": ok, "with_marker": marked, "chars": chars}
        )
    )


if __name__ == "__main__":
    main()
