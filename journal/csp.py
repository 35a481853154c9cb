"""The site's Content Security Policy: Talisman sets it on every response (journal/__init__.py); a route that
writes its own header (journal/web/files/views.py) restates it from here. Imports nothing from journal/."""

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
