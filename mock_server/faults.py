"""Fault rules: make chosen `/v1` requests fail, slow down or lose their connection, on purpose."""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from bland_sms_mock.contracts.models.api import ErrorCode
from bland_sms_mock.contracts.models.control import FaultSpec

_DEFAULT_CODES = {429: ErrorCode.RATE_LIMITED, 500: ErrorCode.INTERNAL_ERROR, 503: ErrorCode.SERVICE_UNAVAILABLE}


@dataclass
class CountedRule:
    """A fault rule of either kind (requests or webhooks) with its counters: matched, applied, remaining."""

    id: str
    spec: Any
    rng: random.Random
    matched: int = 0
    applied: int = 0

    def exhausted(self) -> bool:
        """Whether a `times` rule has been applied its number of times."""
        return self.spec.times is not None and self.applied >= self.spec.times

    def to_dict(self) -> dict[str, Any]:
        """The rule as its control call lists it: the spec as given, then its counters."""
        return {
            "id": self.id,
            **self.spec.model_dump(exclude_defaults=True),
            "matched": self.matched,
            "applied": self.applied,
            "remaining": None if self.spec.times is None else max(0, self.spec.times - self.applied),
        }


@dataclass
class Fault(CountedRule):
    """One request fault rule and its counters."""

    spec: FaultSpec

    def wants(self, method: str, path: str, account: str | None) -> bool:
        """Whether a request matches this rule's method, path and account (counters untouched)."""
        spec = self.spec
        return (
            (spec.method is None or spec.method.upper() == method)
            and (spec.path is None or fnmatchcase(path, spec.path))
            and (spec.account is None or spec.account == account)
        )

    def covers(self, other: Fault) -> bool:
        """Whether this rule, checked first, surely takes every request `other` would match (always applies)."""
        mine, theirs = self.spec, other.spec
        if mine.times is not None or mine.probability < 1:
            return False
        method = mine.method is None or (theirs.method is not None and mine.method.upper() == theirs.method.upper())
        literal = theirs.path is not None and not any(c in theirs.path for c in "*?[")
        path = mine.path in (None, "*", theirs.path) or (literal and fnmatchcase(theirs.path or "", mine.path or ""))
        account = mine.account is None or mine.account == theirs.account
        return method and path and account

    def kind(self) -> str:
        """A short word for the journal: `status 429`, `drop`, `latency 300ms`, ..."""
        parts = [f"status {self.spec.status}"] if self.spec.status else []
        parts += ["drop"] if self.spec.drop else []
        parts += [f"latency {self.spec.latency_ms}ms"] if self.spec.latency_ms else []
        return " + ".join(parts)

    def envelope(self) -> dict[str, Any]:
        """The error body of a status fault."""
        status = self.spec.status or 500
        code = self.spec.error or _DEFAULT_CODES.get(status, ErrorCode.INJECTED_FAULT).value
        message = self.spec.message or f"fault {self.id}: injected {status} (see /_mock/faults)"
        return {"data": None, "errors": [{"error": code, "message": message}]}

    def response_headers(self) -> dict[str, str]:
        """Headers a status fault adds (its own, plus `Retry-After`)."""
        headers = dict(self.spec.headers)
        if self.spec.retry_after is not None:
            headers["Retry-After"] = str(self.spec.retry_after)
        return headers


@dataclass
class Faults:
    """The active fault rules, checked in the order they were added; the first that fires wins.

    A rule that an earlier rule always pre-empts is listed with `shadowed_by` (it can never apply while the
    earlier one stands), so an order mistake shows in the answer to the add and in every listing.
    """

    rules: list[Fault] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    revision: int = 0
    """Moves whenever a rule is added, removed or applied: cheap to poll."""

    def add(self, spec: FaultSpec) -> dict[str, Any]:
        """Add a rule (its probability draws come from its own seeded generator); return it as listed."""
        with self._lock:
            fault = Fault(f"fault-{next(self._ids)}", spec, random.Random(spec.seed))
            self.rules.append(fault)
            self.revision += 1
            return self._listed(len(self.rules) - 1)

    def _listed(self, index: int) -> dict[str, Any]:
        fault = self.rules[index]
        shadow = next((e.id for e in self.rules[:index] if not e.exhausted() and e.covers(fault)), None)
        return {**fault.to_dict(), "shadowed_by": shadow} if shadow else fault.to_dict()

    def pick(self, method: str, path: str, account: str | None) -> Fault | None:
        """The rule that applies to this request, counting the match and the hit; None for no fault."""
        if not self.rules:
            return None
        with self._lock:
            for fault in self.rules:
                if fault.exhausted() or not fault.wants(method, path, account):
                    continue
                fault.matched += 1
                if fault.spec.probability < 1 and fault.rng.random() >= fault.spec.probability:
                    continue
                fault.applied += 1
                self.revision += 1
                return fault
            return None

    def listing(self) -> list[dict[str, Any]]:
        """Every rule with its counters."""
        with self._lock:
            return [self._listed(index) for index in range(len(self.rules))]

    def remove(self, fault_id: str) -> bool:
        """Drop one rule; False when there is no such rule."""
        with self._lock:
            kept = [fault for fault in self.rules if fault.id != fault_id]
            removed = len(kept) != len(self.rules)
            self.rules = kept
            self.revision += 1
            return removed

    def clear(self) -> int:
        """Drop every rule; return how many there were."""
        with self._lock:
            count = len(self.rules)
            self.rules = []
            self.revision += 1
            return count
