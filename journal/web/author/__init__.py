"""The authors' pages: the submission wizard, the submission page, revising (views), and the proofs (proofs).
Importing the package registers all their routes on `bp`."""

from journal.web.author.blueprint import bp
from journal.web.author import views  # noqa: F401  (registers its routes on bp)
from journal.web.author import proofs  # noqa: F401  (registers the proofs pages on bp)
from journal.web.author import messages  # noqa: F401  (registers the conversation pages on bp)
from journal.web.author import latex  # noqa: F401  (registers the LaTeX compilation pages on bp)

__all__ = ["bp"]
