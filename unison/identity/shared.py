"""Shared devices: device ids that must not link people.

Two rules keep a till, a call-centre desk or a family tablet from gluing strangers together:
* a device id seen on a channel shared by nature (UNISON_IDENTITY_SHARED_DEVICE_CHANNELS:
  pos, call_center, helpdesk) is no identity link at all (`drop_shared_channel_devices`);
* any other device id seen with more than UNISON_IDENTITY_SHARED_DEVICE_MAX_IDENTITIES
  distinct values of one strong type (user_id, email or phone) becomes *shared*: from the
  event that crossed the limit on it never links again (`SharedDevices.screen`), and the
  processor rebuilds the group that held it so earlier links through it are undone too.

Per type rather than all types together: one person's user id, email and phone are three
strong identities, and a personal phone must not look shared because its owner signed in.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from unison.identity.identifiers import Ident

DEVICE_TYPES = frozenset({"device_id"})
STRONG_TYPES = frozenset({"user_id", "email", "phone"})


def drop_shared_channel_devices(
    idents: list[Ident], channel: str, shared_channels: frozenset[str]
) -> list[Ident]:
    if channel not in shared_channels:
        return idents
    return [i for i in idents if i.type not in DEVICE_TYPES]


def digest(value: str) -> str:
    # Counting distinct people needs no PII: the evidence table keeps digests only.
    return sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SharedFinding:
    ident: Ident
    strong_type: str
    identities: int
    event_id: int


@dataclass
class SharedDevices:
    """What a batch knows about its device ids, and what it learns."""

    limit: int
    shared: set[Ident]
    seen: dict[Ident, dict[str, set[str]]]  # device -> strong type -> digests
    new_pairs: list[dict[str, Any]] = field(default_factory=list)
    found: list[SharedFinding] = field(default_factory=list)

    def screen(self, event_id: int, idents: list[Ident]) -> list[Ident]:
        """The event's identifiers without the device ids that are (now) shared."""
        devices = [i for i in idents if i.type in DEVICE_TYPES]
        if not devices:
            return idents
        strong = [i for i in idents if i.type in STRONG_TYPES]
        dropped = {d for d in devices if d in self.shared or self._record(event_id, d, strong)}
        return [i for i in idents if i not in dropped] if dropped else idents

    def _record(self, event_id: int, device: Ident, strong: list[Ident]) -> bool:
        """Note the strong identities seen with the device; True when it became shared."""
        by_type = self.seen.setdefault(device, {})
        for ident in strong:
            known = by_type.setdefault(ident.type, set())
            hashed = digest(ident.value)
            if hashed in known:
                continue
            known.add(hashed)
            self.new_pairs.append(
                {
                    "type": device.type,
                    "value": device.value,
                    "strong_type": ident.type,
                    "strong_hash": hashed,
                    "event_id": event_id,
                }
            )
            if len(known) > self.limit:
                self.shared.add(device)
                self.found.append(SharedFinding(device, ident.type, len(known), event_id))
                return True
        return False


def devices_of(idents: Iterable[Ident]) -> list[Ident]:
    return list(dict.fromkeys(i for i in idents if i.type in DEVICE_TYPES))
