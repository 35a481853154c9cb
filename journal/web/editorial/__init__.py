"""The editorial office: the queue, a submission's page and decisions (views), its reviewers (reviewers), the
submitted reviews (review_handling), the journal's statistics (statistics), what readers read (usage). Importing the package registers all their routes on `bp`."""

from journal.web.editorial.blueprint import bp
from journal.web.editorial import views  # noqa: F401  (registers its routes on bp)
from journal.web.editorial import reviewers  # noqa: F401  (registers its routes on bp)
from journal.web.editorial import review_handling  # noqa: F401  (registers its routes on bp)
from journal.web.editorial import messages  # noqa: F401  (registers its routes on bp)
from journal.web.editorial import statistics  # noqa: F401  (registers its routes on bp)
from journal.web.editorial import usage  # noqa: F401  (registers its routes on bp)

__all__ = ["bp"]
