"""Table definitions, one module per aggregate. Importing this package registers them all.

Each model is imported `as` itself: the explicit re-export that `from unison.models import
Model` relies on (mypy strict has no implicit re-exports)."""

from unison.models.base import Base as Base
from unison.models.broadcasts import Broadcast as Broadcast
from unison.models.broadcasts import BroadcastRecipient as BroadcastRecipient
from unison.models.clv import AcquisitionSpend as AcquisitionSpend
from unison.models.clv import ExchangeRate as ExchangeRate
from unison.models.connectors import Connector as Connector
from unison.models.consent import ConsentChainHead as ConsentChainHead
from unison.models.consent import ConsentPreferences as ConsentPreferences
from unison.models.consent import ConsentPurpose as ConsentPurpose
from unison.models.consent import ConsentRecord as ConsentRecord
from unison.models.consent import ConsentState as ConsentState
from unison.models.consent import ConsentWebhook as ConsentWebhook
from unison.models.consent import PrivacyRequest as PrivacyRequest
from unison.models.consent import Suppression as Suppression
from unison.models.events import Event as Event
from unison.models.events import EventLookup as EventLookup
from unison.models.events import RejectedEvent as RejectedEvent
from unison.models.identity import Identifier as Identifier
from unison.models.identity import IdentifierCooccurrence as IdentifierCooccurrence
from unison.models.identity import IdentifierRejection as IdentifierRejection
from unison.models.identity import IdentityBlock as IdentityBlock
from unison.models.identity import IdentityConflict as IdentityConflict
from unison.models.identity import Merge as Merge
from unison.models.identity import SharedIdentifier as SharedIdentifier
from unison.models.inbox import Conversation as Conversation
from unison.models.inbox import ConversationMessage as ConversationMessage
from unison.models.messages import Message as Message
from unison.models.messages import MessagingChannel as MessagingChannel
from unison.models.outbox import OutboundMessage as OutboundMessage
from unison.models.processors import ProcessorOffset as ProcessorOffset
from unison.models.profiles import ComputedTrait as ComputedTrait
from unison.models.profiles import EventProfile as EventProfile
from unison.models.profiles import Profile as Profile
from unison.models.search import ProfileSearchKey as ProfileSearchKey
from unison.models.search import ProfileSearchText as ProfileSearchText
from unison.models.segments import Segment as Segment
from unison.models.segments import SegmentHistory as SegmentHistory
from unison.models.segments import SegmentMember as SegmentMember
from unison.models.segments import SegmentState as SegmentState
from unison.models.segments import SegmentTimer as SegmentTimer
from unison.models.segments import TraitDefinitionRow as TraitDefinitionRow
from unison.models.sources import Source as Source
from unison.models.staff import AuditEntry as AuditEntry
from unison.models.staff import LoginFailure as LoginFailure
from unison.models.staff import StaffSession as StaffSession
from unison.models.staff import StaffUser as StaffUser
from unison.models.templates import Template as Template
from unison.models.templates import TemplateVersion as TemplateVersion
from unison.models.tokens import ApiToken as ApiToken
