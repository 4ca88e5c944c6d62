"""Table definitions, one module per aggregate. Importing this package registers them all."""

from unison.models.base import Base
from unison.models.broadcasts import Broadcast, BroadcastRecipient
from unison.models.clv import AcquisitionSpend, ExchangeRate
from unison.models.connectors import Connector
from unison.models.consent import (
    ConsentChainHead,
    ConsentPreferences,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    ConsentWebhook,
    PrivacyRequest,
    Suppression,
)
from unison.models.events import Event, EventLookup, RejectedEvent
from unison.models.identity import (
    Identifier,
    IdentifierCooccurrence,
    IdentifierRejection,
    IdentityBlock,
    IdentityConflict,
    Merge,
    SharedIdentifier,
)
from unison.models.inbox import Conversation, ConversationMessage
from unison.models.messages import Message, MessagingChannel
from unison.models.outbox import OutboundMessage
from unison.models.processors import ProcessorOffset
from unison.models.profiles import ComputedTrait, EventProfile, Profile
from unison.models.search import ProfileSearchKey, ProfileSearchText
from unison.models.segments import (
    Segment,
    SegmentHistory,
    SegmentMember,
    SegmentState,
    SegmentTimer,
    TraitDefinitionRow,
)
from unison.models.sources import Source
from unison.models.staff import AuditEntry, LoginFailure, StaffSession, StaffUser
from unison.models.templates import Template, TemplateVersion
from unison.models.tokens import ApiToken

__all__ = [
    "AcquisitionSpend",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "ComputedTrait",
    "Connector",
    "ConsentChainHead",
    "ConsentPreferences",
    "ConsentPurpose",
    "ConsentRecord",
    "ConsentState",
    "ConsentWebhook",
    "Conversation",
    "ConversationMessage",
    "Event",
    "EventLookup",
    "EventProfile",
    "ExchangeRate",
    "Identifier",
    "IdentifierCooccurrence",
    "IdentifierRejection",
    "IdentityBlock",
    "IdentityConflict",
    "LoginFailure",
    "Merge",
    "Message",
    "MessagingChannel",
    "OutboundMessage",
    "PrivacyRequest",
    "ProcessorOffset",
    "Profile",
    "ProfileSearchKey",
    "ProfileSearchText",
    "RejectedEvent",
    "Segment",
    "SegmentHistory",
    "SegmentMember",
    "SegmentState",
    "SegmentTimer",
    "SharedIdentifier",
    "Source",
    "StaffSession",
    "StaffUser",
    "Suppression",
    "Template",
    "TemplateVersion",
    "TraitDefinitionRow",
]
