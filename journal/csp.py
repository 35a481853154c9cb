"""The site's Content Security Policy: journal/security_headers.py sets it on every response; a route that
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
