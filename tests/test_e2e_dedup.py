"""The same story reached twice (a feed link and a sitemap alias of one outlet) is one item."""

from __future__ import annotations


def test_story_reached_by_feed_and_by_sitemap_alias_is_one_item(work, server, outlets, slack):
    frontera = outlets.outlets[0]
    story = next(s for s in frontera.stories if s.slug == "cartel-fpv-drone-attack-michoacan")
    original = outlets.article_path(frontera, story)
    alias = f"/frontera/amp/{story.slug}/"
    # The AMP-style alias serves the same page, whose (relative) canonical link names the original URL.
    server.put(alias, server.resources[original].body)
    pub = outlets.pub_date(story).isoformat()
    server.put(
        "/frontera/news-sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- SYNTHETIC (WordPress.com news sitemap structure) -->\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{server.url(alias)}</loc><news:news><news:publication><news:name>Frontera Wire</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{pub}</news:publication_date>"
        f"<news:title>{story.title}</news:title></news:news></url></urlset>",
        "application/xml",
    )
    sources = (work.config / "sources.yaml").read_text()
    sources = sources.replace(
        f"    feeds: [{server.url('/frontera/feed/')}]",
        f"    feeds: [{server.url('/frontera/feed/')}]\n    sitemaps: [{server.url('/frontera/news-sitemap.xml')}]",
    )
    (work.config / "sources.yaml").write_text(sources)
    work.slack_env(slack)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert server.requests(alias), "the sitemap alias was never fetched, so the test proves nothing"
    blob = "".join(str(p["blocks"]) for p in slack.posts)
    items = [  # the item sections (the Top stories line links the story too)
        t
        for p in slack.posts
        for b in p["blocks"]
        if (t := b.get("text", {}).get("text", "")).startswith("*<")
    ]
    assert sum(t.count(story.slug) for t in items) == 1, "the story was posted more than once"
    assert "/amp/" not in blob
