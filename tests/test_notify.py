"""Apprise destinations (BORDERWATCH_NOTIFY) through the outbox: a JSON webhook target and a real SMTP server."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.notify_targets import JsonTarget, SmtpTarget

from .test_e2e_cycle import EXPECTED_FIRST, posted_urls, slugs


@pytest.fixture
def targets():
    with JsonTarget() as hook, SmtpTarget() as smtp:
        yield hook, smtp


def notify_env(hook, smtp) -> dict:
    return {"BORDERWATCH_NOTIFY": f"{hook.url} {smtp.url}"}


def md_links(text: str) -> list[str]:
    return re.findall(r"\]\(<([^>]+)>\)", text)


def html_links(text: str) -> list[str]:
    return re.findall(r'<h3><a href="([^"]+)"', text)


def test_digest_reaches_slack_a_json_webhook_and_e_mail_once_each_rendered_for_the_medium(
    work, slack, targets
):
    hook, smtp = targets
    work.slack_env(slack)
    r = work.run("run", "--json", env=notify_env(hook, smtp))
    assert r.returncode == 0, r.output
    assert json.loads(r.stdout)["digest"]["error"] is None
    sent = posted_urls(slack)
    assert slugs(sent) == EXPECTED_FIRST
    (post,) = hook.posts  # the JSON target renders Markdown
    assert post["title"].startswith("borderwatch digest · ")
    assert sorted(md_links(post["message"])) == sorted(sent)
    assert "<!channel>" not in post["message"] and r"\<\!channel\>" in post["message"]  # escaped Markdown
    assert "## Cartel drone attacks" in post["message"] or "## " in post["message"]
    (mail,) = smtp.mails  # e-mail gets HTML
    assert mail.rcpt_tos == ["consultants@example.org"]
    assert mail.subject.startswith("borderwatch digest · ")
    assert sorted(html_links(mail.html)) == sorted(sent)
    assert "&lt;!channel&gt;" in mail.html and "<!channel>" not in mail.html
    assert "SECRET" not in r.output and smtp.url not in r.output  # the URLs (secrets) are never printed

    # the next run: nothing new anywhere
    r2 = work.run("run", env=notify_env(hook, smtp))
    assert r2.returncode == 0, r2.output
    assert len(hook.posts) == 1 and len(smtp.mails) == 1 and posted_urls(slack) == sent


def test_a_failed_destination_is_retried_next_run_without_resending_to_the_others(work, slack, targets):
    hook, smtp = targets
    work.slack_env(slack)
    hook.fail_status = 500
    r = work.run("run", env=notify_env(hook, smtp))
    assert r.returncode == 3, r.output  # the digest could not be delivered everywhere: it waits
    assert "Apprise destination json://127.0.0.1" in r.stderr and "Traceback" not in r.output
    assert len(smtp.mails) == 1 and slugs(posted_urls(slack)) == EXPECTED_FIRST and not hook.posts
    hook.fail_status = None
    r2 = work.run("run", env=notify_env(hook, smtp))
    assert r2.returncode == 0, r2.output
    assert len(hook.posts) == 1 and sorted(md_links(hook.posts[0]["message"])) == sorted(posted_urls(slack))
    assert len(smtp.mails) == 1 and len(posted_urls(slack)) == 3  # the others got nothing twice


@pytest.mark.parametrize("point", ["digest_created", "after_part_1"])
def test_a_crash_during_delivery_sends_each_destination_exactly_one_copy(work, targets, point):
    """kill -9 after the outbox is written, or after the first destination's part is marked sent: the next
    run sends what is missing, and every destination ends with exactly one copy."""
    hook, smtp = targets
    env = notify_env(hook, smtp)
    r = work.run("run", env={**env, "BORDERWATCH_CRASH_AT": point})
    assert r.returncode == -9, r.output
    r2 = work.run("run", env=env)
    assert r2.returncode == 0, r2.output
    assert len(hook.posts) == 1 and len(smtp.mails) == 1
    assert slugs(md_links(hook.posts[0]["message"])) == EXPECTED_FIRST
    assert slugs(html_links(smtp.mails[0].html)) == EXPECTED_FIRST
    assert "may appear twice" not in hook.posts[0]["message"]


def test_a_url_apprise_does_not_understand_is_reported_and_the_digest_waits(work, targets):
    hook, smtp = targets
    r = work.run("run", env={"BORDERWATCH_NOTIFY": f"{hook.url} nosuchscheme://x/y"})
    assert r.returncode == 3, r.output
    assert "not a URL Apprise understands" in r.stderr and "Traceback" not in r.output
    assert len(hook.posts) == 1


def test_preview_shows_each_apprise_destination_rendered_for_its_medium_and_counts_items_once(work, targets):
    hook, smtp = targets
    env = notify_env(hook, smtp)
    assert work.run("crawl", env=env).returncode == 0
    assert work.run("match", env=env).returncode == 0
    r = work.run("digest", "--preview", "--json", env=env)
    assert r.returncode == 0, r.output
    out = json.loads(r.stdout)
    apprise = [m for m in out["messages"] if m["destination"].startswith("apprise:")]
    assert len({m["destination"] for m in apprise}) == 2 and all(not m["blocks"] for m in apprise)
    by_medium = {("<h3>" in m["text"]): m["text"] for m in apprise}
    assert slugs(html_links(by_medium[True])) == EXPECTED_FIRST  # e-mail: HTML
    assert slugs(md_links(by_medium[False])) == EXPECTED_FIRST  # JSON webhook: Markdown
    assert len(out["entries"]) == len({e["article_id"] for e in out["entries"]}) == 3
    assert not hook.posts and not smtp.mails  # a preview sends nothing
    assert hook.url not in r.output and smtp.url not in r.output
