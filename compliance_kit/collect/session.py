"""Credentials, role assumption and boto3 clients (with retries, endpoint override and request counting).

One `Connector` per identity (account). Each keeps its own boto3 Session: boto3 Sessions are not
thread-safe, so the organization runner builds one per worker thread. Credentials are never logged,
returned in messages or written: `redact` scrubs them (and anything shaped like an access key id)
from every error text before it reaches the manifest or the terminal.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    import boto3

USER_AGENT = "compliance-kit-collect"
DEFAULT_HOME_REGION = "us-east-1"
SESSION_NAME = "compliance-kit-collect"
KEY_ID_RE = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
# botocore service ids (in event names) -> IAM action prefixes
ACTION_PREFIX = {"sso-admin": "sso", "accessanalyzer": "access-analyzer"}

EventHandler = Callable[..., Any]


class RequestStats:
    """Thread-safe counters fed by botocore's before-send hook: every HTTP request, retries included."""

    def __init__(self, on_request: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self.by_action: Counter[str] = Counter()
        self.by_label: Counter[str] = Counter()
        self._on_request = on_request

    def record(self, label: str, action: str) -> None:
        with self._lock:
            self.by_action[action] += 1
            self.by_label[label] += 1
        if self._on_request is not None:
            self._on_request(label)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.by_action.values())

    def for_label(self, label: str) -> int:
        with self._lock:
            return self.by_label[label]


def action_name(event_name: str) -> str:
    """`before-send.sso-admin.ListInstances` -> `sso:ListInstances`."""
    parts = event_name.split(".")
    if len(parts) < 3:
        return event_name
    service, operation = parts[1], parts[2]
    return f"{ACTION_PREFIX.get(service, service)}:{operation}"


def botocore_config(max_attempts: int) -> Any:
    """Adaptive retries (client-side rate limiting + backoff). MAX_ATTEMPTS counts every attempt: botocore's
    `retries["max_attempts"]` counts retries only (one more attempt), so `total_max_attempts` is used."""
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "total_max_attempts": max(1, max_attempts)},
        user_agent_extra=USER_AGENT,
        connect_timeout=10,
        read_timeout=60,
    )


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove credentials (and anything shaped like an access key id) from a message."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[redacted]")
    return KEY_ID_RE.sub("[redacted-key-id]", text)


_LOADER: Any = None
_LOADER_LOCK = threading.Lock()


def _botocore_session() -> Any:
    """A new botocore session sharing one model loader: every account's Session would otherwise parse the
    service models (ec2's is megabytes) again. The loader only caches read-only data."""
    global _LOADER
    import botocore.loaders
    import botocore.session

    with _LOADER_LOCK:
        if _LOADER is None:
            _LOADER = botocore.loaders.create_loader()
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    return session


def base_session(profile: str | None, region: str | None) -> boto3.Session:
    """The standard credential chain: --profile, environment, SSO, container and instance roles."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile, region_name=region, botocore_session=_botocore_session())
        if profile is not None and profile not in session.available_profiles:
            raise botocore.exceptions.ProfileNotFound(profile=profile)
        return session
    except botocore.exceptions.ProfileNotFound:
        raise InputError(f"no AWS profile named {profile!r} in the AWS config files", file="--profile") from None


@dataclass
class Connector:
    """Clients for one identity, all with the same retry config, endpoint and hooks."""

    session: boto3.Session
    label: str
    home_region: str
    max_attempts: int
    endpoint_url: str | None = None
    stats: RequestStats | None = None
    event_handlers: tuple[tuple[str, EventHandler], ...] = ()
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.home_region)
        with self._lock:
            if key not in self._clients:
                client = self.session.client(
                    service, region_name=key[1], endpoint_url=self.endpoint_url,
                    config=botocore_config(self.max_attempts),
                )
                client.meta.events.register("before-send", self._count)
                for event, handler in self.event_handlers:
                    client.meta.events.register(event, handler)
                self._clients[key] = client
            return self._clients[key]

    def _count(self, event_name: str = "", **_: Any) -> None:
        if self.stats is not None:
            self.stats.record(self.label, action_name(event_name))

    def secrets(self) -> tuple[str | None, ...]:
        """The current credentials, only so that `redact` can remove them from messages."""
        creds = self.session.get_credentials()
        if creds is None:
            return ()
        frozen = creds.get_frozen_credentials()
        return (frozen.access_key, frozen.secret_key, frozen.token)

    def assume(self, role_arn: str, external_id: str | None, label: str) -> Connector:
        """A Connector for ROLE_ARN, assumed from this identity (raises botocore's ClientError)."""
        import boto3

        params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
        if external_id:
            params["ExternalId"] = external_id
        creds = self.client("sts").assume_role(**params)["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=self.home_region,
            botocore_session=_botocore_session(),
        )
        return Connector(session, label, self.home_region, self.max_attempts, self.endpoint_url, self.stats,
                         self.event_handlers)


def error_code(exc: BaseException) -> tuple[str, str]:
    """(code, message) of a botocore ClientError or any other exception."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        error = response["Error"]
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or error.get("message") or "")
        if "<html" in message.lower():  # a proxy or emulator's HTML error page
            message = f"HTTP {response.get('ResponseMetadata', {}).get('HTTPStatusCode', code)} (HTML error page)"
        return code, " ".join(message.split())
    return type(exc).__name__, " ".join(str(exc).split())
