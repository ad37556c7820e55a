"""crawler/scrapy_tls.py: Scrapy's TLS modules imported without inspect.stack()'s walk, and nothing else changed.

In a fresh interpreter (Scrapy is imported once per process), as `borderwatch run` imports the crawler.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import inspect, json, warnings
warnings.simplefilter("error")  # Scrapy warns "Error detecting parent module" if its inspect.stack() use fails
calls = []
real_stack, real_getmodule = inspect.stack, inspect.getmodule
def counting_stack(context=1):
    calls.append(1)
    return real_stack(context)
inspect.stack = counting_stack
import borderwatch.commands.run  # what the CLI has loaded by then
import borderwatch.crawler.run
import scrapy.core.downloader.contextfactory as cf
import scrapy.core.downloader.tls as tls
print(json.dumps({
    "real_stack_calls": len(calls),
    "restored": inspect.stack is counting_stack and inspect.getmodule is real_getmodule,
    "modules": [cf.ScrapyClientContextFactory.__module__, cf.AcceptableProtocolsContextFactory.__module__,
                tls.ScrapyClientTLSOptions.__module__],
    "handler": borderwatch.crawler.politeness.HTTP11DownloadHandler.__module__,
}))
"""


def test_scrapy_tls_import_skips_the_stack_walk_restores_inspect_and_keeps_the_aliases_modules():
    p = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["real_stack_calls"] == 0, (
        out
    )  # Scrapy's three create_deprecated_class calls took the short path
    assert out["restored"], out
    assert out["modules"] == [
        "scrapy.core.downloader.contextfactory",
        "scrapy.core.downloader.contextfactory",
        "scrapy.core.downloader.tls",
    ]
    assert out["handler"] == "scrapy.core.downloader.handlers.http11"
