"""CNN: in-house stack, very heavy pages (about 1.4 MB, mostly inline JS/JSON), server-rendered text.

trafilatura gets the body right but also keeps (checked on the three stored real pages, 2016/2019/2021):
- italic promo paragraphs inside the body ("CNN will soon launch Royal News ... Sign up here");
- paragraphs that are nothing but a link to another story ("Who could be in Trump's Cabinet?");
- "CNN" / "CNN Business" as a second author;
- the dateline glued to the first word: "London (CNN)It was ...".
Video, gallery and live-blog pages are script-rendered shells: they are filtered out by URL.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .base import ExtractFixes, OutletProfile, hook

# A body paragraph made only of italics and links, with no text of its own: a promo ("Sign up here")
# or a link to another story.
PROMO_OR_LINK_PARAGRAPH = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' zn-body__paragraph ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' paragraph ')]"
    "[em or a][not(text()[normalize-space()])][not(*[not(self::em or self::a)])]"
)

_DATELINE = re.compile(r"^((?:[A-Z][\w.' -]{0,40} )?\(CNN[\w ]{0,20}\))(?=\S)")


@hook("cnn_dateline")
def cnn_dateline(ex):
    """'London (CNN)It was' -> 'London (CNN) It was', so the first word is a word of its own."""
    return replace(ex, text=_DATELINE.sub(r"\1 ", ex.text, count=1))


PROFILE = OutletProfile(
    slug="cnn",
    name="CNN",
    platform="cnn",
    domains=("cnn.com",),
    exclude=(
        r"/(videos?|gallery|live-news|interactive|audio|podcasts?)/",
        r"/(sport|entertainment|style|travel|cnn-underscored|cars|homes|food|health|weather)/",
    ),
    fixes=ExtractFixes(
        drop=(PROMO_OR_LINK_PARAGRAPH,),
        org_bylines=("CNN", "CNN Business", "CNN Politics", "CNN Wire"),
        hook="cnn_dateline",
    ),
    why="News sitemap (titles + dates for the last two days, all sections) and the legacy Americas RSS "
    "feed; soft sections, video, gallery and live pages are filtered out by URL. Pages are heavy "
    "(about 1.4 MB) but server-rendered and public: full text is extracted.",
)
