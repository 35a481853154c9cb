"""The reader's site: journals and archives (views), articles and issues (articles), the Atom feed, sitemap and
robots.txt (feeds), the article search (search). Importing the package registers all their routes on `bp`."""

from journal.web.public.blueprint import bp
from journal.web.public import views  # noqa: F401  (registers its routes on bp)
from journal.web.public import articles, feeds  # noqa: F401  (register their routes on bp)
from journal.web.public import search  # noqa: F401  (registers the article search on bp)
from journal.web.public import language  # noqa: F401  (registers the language choice on bp)

__all__ = ["bp"]
