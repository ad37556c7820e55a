"""A broken sources.yaml never stops the daily run: the last good sources are used, loudly, with
file:line:column for every problem; without a good copy it is a clear configuration error."""

from __future__ import annotations

from borderwatch.demo.outlets import Story

BROKEN = [
    ("sources:\n  - name: A\n    feeds: [http://x/feed/\n", "sources.yaml:4:1: invalid YAML"),
    (
        "sources:\n  - name: A\n    feedz: [http://x/feed/]\n",
        "sources.yaml:3:5: source 'A': unknown key 'feedz'",
    ),
    (
        "settings:\n  retention_days: soon\nsources: []\n",
        "sources.yaml:2:3: setting 'retention_days' has the wrong type",
    ),
]


def test_broken_sources_yaml_without_a_good_copy_is_a_clear_error_and_crawls_nothing(work, server):
    for text, where in BROKEN:
        (work.config / "sources.yaml").write_text(text)
        server.clear_log()
        r = work.run("run")
        assert r.returncode == 2, r.output
        assert where in r.stderr
        assert "Traceback" not in r.output
        assert server.requests() == []


def test_broken_sources_yaml_falls_back_to_the_last_good_sources(work, slack, server, outlets):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    before = len(slack.posts)
    outlets.add_story(
        "rio",
        Story(
            "cjng-drone-unit",
            "CJNG forms a drone unit in Jalisco",
            "Dana Whitfield",
            0.1,
            ["The Jalisco New Generation Cartel has formed a dedicated drone unit, prosecutors said."],
            guid=299,
        ),
    )
    good = (work.config / "sources.yaml").read_text()
    for text, where in BROKEN[:2]:  # a YAML syntax error and a validation error
        (work.config / "sources.yaml").write_text(text)
        r = work.run("run")
        assert r.returncode == 0, r.output
        assert "last good sources" in r.stderr and where in r.stderr
        assert "Traceback" not in r.output
    # the first broken run crawled the last good sources and posted the new story, with the warning
    new = slack.posts[before:]
    assert len(new) == 1
    blob = str(new[0]["blocks"])
    assert "cjng-drone-unit" in blob and "last good sources" in blob
    # fixing the file is picked up and remembered
    (work.config / "sources.yaml").write_text(good)
    r = work.run("run")
    assert r.returncode == 0 and "last good" not in r.stderr
