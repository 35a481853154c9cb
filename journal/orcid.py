"""ORCID through OpenID Connect (issue 18): signing in and up, linking an iD to an account, and co-authors
authenticating theirs, by Authlib's Flask client.

One redirect URI (`orcid.callback`) serves every purpose: the purpose is kept in the session under the state that
Authlib sends to ORCID, and both are dropped when ORCID answers, so a state serves once. Authlib checks the state,
exchanges the code (ORCID refuses a code used before), and checks the ID token: its signature against the
provider's published keys, its issuer, that it was issued to this client (audience), its nonce and its age. Only the
`sub` of a checked ID token is taken for an ORCID iD: that is what makes an iD "authenticated" here.

Configured by ORCID_CLIENT_ID, ORCID_CLIENT_SECRET and ORCID_BASE_URL (config.py); unconfigured, `client()` is
None, the buttons are absent and the routes answer 404.

With ORCID_MEMBER_API_URL set too (the journal is an ORCID member), signing in and linking also ask for the
`/activities/update` scope, and the access token ORCID gives with it is kept sealed (`seal`, `unseal`) so that the
reviews a reviewer agreed to can be added to their record (services/orcid_credit.py). A co-author authenticating
their iD for one paper is asked for their iD only.
"""

import base64
import hashlib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app, session
from joserfc.errors import JoseError

from journal.scholarly.identifiers import normalize_orcid

ISSUERS = {"production": "https://orcid.org", "sandbox": "https://sandbox.orcid.org"}
EXTENSION = "journal.orcid"
FLOWS = "orcid_flows"  # session key: state -> (purpose, subject, started at)
FLOW_SECONDS = 15 * 60  # a trip to ORCID and back that takes longer is started again
MAX_FLOWS = 5  # a session keeps its few latest trips (several tabs), not an ever longer list
UPDATE_SCOPE = "/activities/update"  # ORCID's scope for adding items (peer reviews) to a person's record


class OrcidError(Exception):
    """The answer from ORCID cannot be taken: `denied` when the person said no there."""

    def __init__(self, reason: str, *, denied: bool = False):
        super().__init__(reason)
        self.denied = denied


class OrcidUnreachable(Exception):
    """ORCID's discovery document could not be fetched: no trip can start."""


@dataclass(frozen=True)
class OrcidAnswer:
    """What a checked ID token says: the iD (its `sub`), and the names if the person's record shows them."""

    purpose: str
    subject: str  # what the trip was for: a user's or a co-author's id, or ""
    orcid: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    grant: "Grant | None" = None  # the permission to add to the record, when it was asked for and given


@dataclass(frozen=True)
class Grant:
    """An access token ORCID gave with the scope to update the person's record, sealed (see `seal`)."""

    sealed_token: str
    scope: str
    expires_in: int | None = None


def issuer_url(config) -> str:
    base = (config.get("ORCID_BASE_URL") or "production").strip()
    return ISSUERS.get(base, base).rstrip("/")


def init_app(app: Flask) -> None:
    """Register ORCID as an OpenID Connect provider of this app, when an id and a secret are configured. The
    provider's endpoints and keys come from its discovery document, fetched when first needed."""
    app.extensions[EXTENSION] = None
    app.jinja_env.globals.update(orcid_configured=configured, orcid_record_url=record_url,
                                 orcid_test_provider=test_provider)
    if not (app.config.get("ORCID_CLIENT_ID") and app.config.get("ORCID_CLIENT_SECRET")):
        return
    oauth = OAuth(app)
    app.extensions[EXTENSION] = oauth.register(
        "orcid",
        client_id=app.config["ORCID_CLIENT_ID"],
        client_secret=app.config["ORCID_CLIENT_SECRET"],
        server_metadata_url=issuer_url(app.config) + "/.well-known/openid-configuration",
        # ORCID's token endpoint takes the credentials in the form (its discovery document says so).
        client_kwargs={"scope": "openid", "token_endpoint_auth_method": "client_secret_post", "default_timeout": 15},
    )


def client():
    return current_app.extensions.get(EXTENSION)


def member_api_url(config=None) -> str:
    """ORCID's member API (https://api.orcid.org, https://api.sandbox.orcid.org), or "" when the journal does not
    write to records."""
    config = config if config is not None else current_app.config
    if not (config.get("ORCID_CLIENT_ID") and config.get("ORCID_CLIENT_SECRET")):
        return ""
    return (config.get("ORCID_MEMBER_API_URL") or "").strip().rstrip("/")


def _fernet() -> Fernet:
    key = hashlib.sha256(b"journal.orcid.token:" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(token: str) -> str:
    """An access token as it is stored or carried in the session: encrypted and signed with the app's key."""
    return _fernet().encrypt(token.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The token back; None when it was sealed with another key (SECRET_KEY changed) or altered."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def configured() -> bool:
    return client() is not None


def form_action_origin(config) -> str | None:
    """The origin that pages with an ORCID button must let their forms go to (CSP form-action covers the redirect
    a form's answer makes)."""
    if not (config.get("ORCID_CLIENT_ID") and config.get("ORCID_CLIENT_SECRET")):
        return None
    parts = urlsplit(issuer_url(config))
    return f"{parts.scheme}://{parts.netloc}"


def test_provider() -> str:
    """The issuer's URL when it is not ORCID (a local test provider: `make run-orcid`, the tests), else "": the
    pages say so beside every ORCID button."""
    base = issuer_url(current_app.config)
    return "" if base in ISSUERS.values() else base


def record_url(orcid: str) -> str:
    """The iD as ORCID asks it to be shown: the full https URL of the record on the configured ORCID."""
    base = issuer_url(current_app.config)
    if not base.startswith(tuple(ISSUERS.values())):
        base = ISSUERS["production"]  # a test provider has no records to show
    return f"{base}/{orcid}"


def begin(purpose: str, subject: str = "", *, redirect_uri: str):
    """The redirect to ORCID for a purpose ("sign_in", "link", "contributor"); the trip is remembered under its
    state in this session."""
    orcid = client()
    try:
        # Only the reviewer's own trips ask to write: a co-author proving their iD for a paper is asked for it only.
        writes = purpose in ("sign_in", "link") and bool(member_api_url())
        rv = orcid.create_authorization_url(redirect_uri, scope=f"openid {UPDATE_SCOPE}" if writes else "openid")
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("ORCID unreachable: %r", error)
        raise OrcidUnreachable() from None
    orcid.save_authorize_data(redirect_uri=redirect_uri, **rv)
    now = int(time.time())
    flows = {state: flow for state, flow in (session.get(FLOWS) or {}).items() if now - flow[2] < FLOW_SECONDS}
    flows[rv["state"]] = (purpose, str(subject), now)
    session[FLOWS] = dict(sorted(flows.items(), key=lambda item: item[1][2])[-MAX_FLOWS:])
    return rv["url"]


def finish(args) -> OrcidAnswer:
    """ORCID's answer on the redirect URI, checked; raises OrcidError when it cannot be taken (refused consent, a
    state this session did not start or has used, a code ORCID does not honour, an ID token that fails a check)."""
    state = args.get("state") or ""
    flows = dict(session.get(FLOWS) or {})
    flow = flows.pop(state, None)
    session[FLOWS] = flows
    if flow is None or time.time() - flow[2] >= FLOW_SECONDS or args.get("error"):
        session.pop(f"_state_orcid_{state}", None)
        # A refusal changes nothing whatever its state (some providers leave the state off an error).
        error = args.get("error") or "unknown or used state"
        raise OrcidError(error, denied=error == "access_denied")
    purpose, subject, _started = flow
    try:
        token = client().authorize_access_token()
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("ORCID answer refused: %r", error)
        raise OrcidError(str(error)) from None
    claims = token.get("userinfo")
    if not claims:  # no ID token, or no nonce to check it by: nothing proves whose the iD is
        raise OrcidError("no ID token")
    try:
        orcid = normalize_orcid(claims.get("sub"))
    except ValueError:
        orcid = None
    if not orcid:
        raise OrcidError("the ID token's subject is not an ORCID iD")
    granted = str(token.get("scope") or "")
    grant = None
    if UPDATE_SCOPE in granted.split() and token.get("access_token") and purpose in ("sign_in", "link"):
        expires_in = token.get("expires_in")
        grant = Grant(sealed_token=seal(str(token["access_token"])), scope=granted,
                      expires_in=int(expires_in) if str(expires_in or "").isdigit() else None)
    return OrcidAnswer(purpose=purpose, subject=subject, orcid=orcid,
                       given_name=str(claims.get("given_name") or "")[:100],
                       family_name=str(claims.get("family_name") or "")[:100],
                       email=str(claims.get("email") or "")[:254] if claims.get("email_verified") else "",
                       grant=grant)
