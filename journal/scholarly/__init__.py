"""What the outside world harvests and cites: the OAI-PMH repository (oai.py), Crossref deposits (crossref.py),
JATS front matter (jats.py), the citation formats and embedded metadata of the article page — Highwire tags,
JSON-LD, how to cite, BibTeX, RIS and their file names (citations.py) — the DOIs given at publication (doi.py)
and the normalising of the identifiers people type (identifiers.py), on what records.py shares: only published
articles leave, their metadata taken from the frozen ArticleVersion, never from review data. The web layer
(journal/web/oai/, journal/web/public/) only serves what this package builds; nothing here imports journal.web.
"""
