"""Crawler: Scrapy spider driven by sources.yaml, discovery parsers, trafilatura extraction."""
