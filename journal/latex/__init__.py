"""LaTeX in, PDF and HTML out (issue 17): the sandbox, archives, compiling, and the HTML full text (html.py)."""
