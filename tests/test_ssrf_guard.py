"""Feed links and redirects never reach internal addresses (crawler/addresses.py), while a source's own host
and port (here an outlet on 127.0.0.2) still crawls, and no other port of that host is opened by its links;
each refused link is reported for its source."""

from __future__ import annotations

import ipaddress
import json
from datetime import timedelta

import pytest

from borderwatch.crawler.addresses import internal_kind, literal_address
from borderwatch.demo.outlets import FixtureOutlets, Outlet, Story
from borderwatch.demo.wordpress_feed import FeedItem, wordpress_rss
from tests.support.fixture_server import FixtureServer


@pytest.mark.parametrize(
    "host,address,kind",
    [
        ("0xa9fea9fe", "169.254.169.254", "link-local"),
        ("2852039166", "169.254.169.254", "link-local"),
        ("0251.0376.0251.0376", "169.254.169.254", "link-local"),
        ("169.254.169.254", "169.254.169.254", "link-local"),
        ("127.1", "127.0.0.1", "loopback"),
        ("[::ffff:127.0.0.3]", "::ffff:127.0.0.3", "loopback"),
        ("[::ffff:a9fe:a9fe]", "::ffff:169.254.169.254", "link-local"),
        ("10.1.2.3", "10.1.2.3", "private"),
        ("192.168.0.1", "192.168.0.1", "private"),
        ("[fd00::1]", "fd00::1", "unique-local"),
        ("[fe80::1]", "fe80::1", "link-local"),
        ("[::1]", "::1", "loopback"),
        ("0.0.0.0", "0.0.0.0", "unspecified"),
        ("224.0.0.251", "224.0.0.251", "multicast"),
        ("93.184.215.14", "93.184.215.14", None),
        ("[2606:4700::1111]", "2606:4700::1111", None),
    ],
)
def test_internal_addresses_are_recognised_in_every_spelling(host, address, kind):
    ip = literal_address(host)
    assert ip == ipaddress.ip_address(address)
    assert internal_kind(ip) == kind


def test_host_names_are_not_taken_for_addresses():
    for host in ("example.com", "deadbeef.example", "1.example", "abc"):
        assert literal_address(host) is None


STORY = Story(
    "intranet-fpv-drone-report",
    "CJNG uses FPV drones against a police post in Michoacán",
    "Ana Torres",
    1,
    [
        "Gunmen linked to the Jalisco New Generation Cartel (CJNG) struck a police post in Michoacán with "
        "first-person-view drones carrying improvised explosives, state officials said.",
        "Security analysts say the use of FPV drones by cartels has grown quickly since 2020.",
    ],
    guid=901,
)


def _publish(own, outlets, hostile_links: list[str]) -> None:
    pub = outlets.pub_date(STORY)
    items = [
        FeedItem(
            title=STORY.title,
            link=own.url(outlets.article_path(outlets.outlets[0], STORY)),
            published=pub,
            guid=f"{own.base}/intranet/?p={STORY.guid}",
            description=STORY.paragraphs[0],
        )
    ] + [
        FeedItem(
            title=f"CJNG FPV drone attack, report {i}",
            link=link,
            published=pub - timedelta(hours=i + 1),
            guid=f"{own.base}/intranet/?p={950 + i}",
            description="CJNG FPV drone attack on a police post",
        )
        for i, link in enumerate(hostile_links)
    ]
    feed = wordpress_rss(
        "Intranet Wire", own.url("/intranet/"), own.url("/intranet/feed/"), items, "SYNTHETIC"
    )
    own.put("/intranet/feed/", feed, "application/rss+xml; charset=UTF-8")


@pytest.fixture
def hostile(work):
    """An outlet on 127.0.0.2 whose feed also links to 127.0.0.3, to a 302 that leads there, and to the cloud
    metadata address in hex and as an IPv4-mapped IPv6 literal, and to another port of its own address
    (an admin port on the outlet's host). 127.0.0.3 and that port serve a "secret" that matches."""
    with (
        FixtureServer("127.0.0.2") as own,
        FixtureServer("127.0.0.3") as inside,
        FixtureServer("127.0.0.2") as side_port,
    ):
        outlets = FixtureOutlets(own, [Outlet("intranet", "Intranet Wire", "rss", [STORY])])
        secret = "<html><body><article><h1>CJNG FPV drone secret</h1><p>{}</p></article></body></html>"
        inside.put("/secret/", secret.format("CJNG FPV drone attack credentials " * 20))
        inside.put("/iam/security-credentials/", secret.format("CJNG FPV drone attack role key " * 20))
        side_port.put("/admin/", secret.format("CJNG FPV drone attack admin console " * 20))
        inside.side_port = side_port  # the same secret-keeper role, on the outlet's own address
        own.fault("/moved/", redirect_to=inside.url("/iam/security-credentials/"))
        hostile_links = [
            inside.url("/secret/"),
            own.url("/moved/"),
            "http://0xa9fea9fe/latest/meta-data/",
            f"http://[::ffff:127.0.0.3]:{inside.port}/secret/",
            side_port.url("/admin/"),
        ]
        _publish(own, outlets, hostile_links)
        (work.config / "sources.yaml").write_text(outlets.sources_yaml())
        yield own, inside, hostile_links


def test_links_and_redirects_to_internal_addresses_are_refused_and_reported_while_the_own_host_crawls(
    work, slack, hostile
):
    own, inside, hostile_links = hostile
    work.slack_env(slack)
    r = work.run("run", "--json")
    assert r.returncode == 0, r.output
    assert inside.requests() == [], "an internal address was fetched"
    assert inside.side_port.requests() == [], "another port of the outlet's own address was fetched"
    summary = json.loads(r.stdout)
    errors = summary["sources"]["Intranet Wire"]["errors"]
    refused = [e for e in errors if ": refused: " in e]
    assert len(refused) == 5, errors
    assert any(f"127.0.0.2 port {inside.side_port.port} is a loopback address" in e for e in refused), errors
    for link in hostile_links[::2]:
        assert any(e.startswith(link) for e in refused), (link, errors)
    assert any("127.0.0.3" in e and "loopback" in e for e in refused)  # the 302's target
    assert any("0xa9fea9fe (169.254.169.254) is a link-local address" in e for e in refused)
    assert any("[::ffff:127.0.0.3]" in e and "loopback" in e for e in refused)
    assert [q.path for q in own.requests() if q.path == "/moved/"] == ["/moved/"]  # the own host: fetched
    posted = json.dumps(slack.posts)
    assert STORY.slug in posted  # the outlet's own article went through
    assert "secret" not in posted.lower() and "127.0.0.3" not in posted and "0xa9fea9fe" not in posted

    r = work.run("run", "--json")  # refused links are never asked for again, nor reported twice
    assert r.returncode == 0, r.output
    assert inside.requests() == [] and inside.side_port.requests() == []
    assert not [e for e in json.loads(r.stdout)["sources"]["Intranet Wire"]["errors"] if "refused" in e]


def test_allow_internal_addresses_lets_an_intranet_deployment_fetch_them(work, hostile):
    own, inside, links = hostile
    _publish(own, FixtureOutlets(own, [Outlet("intranet", "Intranet Wire", "rss", [STORY])]), links[:2])
    r = work.run("crawl", env={"BORDERWATCH_ALLOW_INTERNAL_ADDRESSES": "1"})
    assert r.returncode == 0, r.output
    assert {q.path for q in inside.requests()} >= {"/secret/", "/iam/security-credentials/"}


def test_the_opt_out_is_all_or_a_list_of_networks_and_a_bad_network_is_a_config_error(tmp_path):
    from borderwatch.config import load_sources
    from borderwatch.crawler.addresses import parse_allowance
    from borderwatch.yamlload import ConfigError

    assert parse_allowance("1") is True and parse_allowance("") is False and parse_allowance(False) is False
    nets = parse_allowance("10.20.0.0/16, fd00::/8")
    assert [str(n) for n in nets] == ["10.20.0.0/16", "fd00::/8"]
    assert ipaddress.ip_address("10.20.3.4") in nets[0]
    path = tmp_path / "sources.yaml"
    path.write_text("settings:\n  allow_internal_addresses: [10.20.0.0/16, nope]\nsources: []\n")
    with pytest.raises(ConfigError, match=r"sources.yaml:2:.*allow_internal_addresses.*'nope'"):
        load_sources(path)
