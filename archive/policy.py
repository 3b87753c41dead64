"""The access policy, in one place: what each role may do, and which documents a person may see.

Two questions, asked by the use cases (`archive.usecases`) and nowhere else:
- `allowed(principal, action)`: may this role do this at all? No → `Forbidden` (403).
- `may_see(principal, document)` / `access_for(principal)`: is this document within their clearance and
  their units? No → the document does not exist for them (`NotFound`, 404), and the index query that
  answers their searches carries the same rule (`search.types.Access`), so totals, facets and
  highlights never count what they may not see.
"""

from __future__ import annotations

from enum import StrEnum

from archive.errors import Forbidden
from archive.identity import OPERATOR_ROLE, Principal
from archive.models import Document
from archive.records import document_unit_keys
from common.identifiers import keyword_key
from common.vocabulary import CLASSIFICATION_RANK, classification_rank
from search.types import Access


class Action(StrEnum):
    SEARCH = "search"
    READ = "read"  # a document: record, text, page images, versions, the equipment view
    DOWNLOAD = "download"  # the original file
    EXPORT = "export"  # a whole dossier as a bundle
    INGEST = "ingest"
    REVIEW = "review"  # the review and likely-duplicate lists
    CORRECT = "correct"
    CLASSIFY = "classify"  # change a document's classification (a downgrade needs a second officer)
    MANAGE_USERS = "manage_users"
    TOKEN_OWN = "token_own"  # make API tokens for oneself
    AUDIT_DOCUMENTS = "audit_documents"  # the audit entries of documents one may see
    AUDIT_ALL = "audit_all"  # the whole audit trail
    JOBS = "jobs"  # follow ingest jobs
    MAINTAIN = "maintain"  # reindex, verify: the operator's work


_READER = {Action.SEARCH, Action.READ, Action.DOWNLOAD, Action.TOKEN_OWN}
PERMISSIONS: dict[str, frozenset[Action]] = {
    "clerk": frozenset(_READER | {Action.INGEST, Action.REVIEW, Action.CORRECT, Action.JOBS}),
    "technician": frozenset(_READER),
    "inspector": frozenset(_READER | {Action.EXPORT, Action.AUDIT_DOCUMENTS}),
    "records_officer": frozenset(_READER | {Action.CLASSIFY, Action.MANAGE_USERS, Action.REVIEW}),
    "auditor": frozenset({Action.AUDIT_ALL, Action.AUDIT_DOCUMENTS, Action.TOKEN_OWN}),
    OPERATOR_ROLE: frozenset(Action),
}


def allowed(principal: Principal, action: Action) -> bool:
    return action in PERMISSIONS.get(principal.role, frozenset())


def require(principal: Principal, action: Action) -> None:
    if not allowed(principal, action):
        raise Forbidden(f"the role {principal.role} may not {action.value.replace('_', ' ')}")


def _unit_keys(principal: Principal) -> tuple[str, ...] | None:
    if not principal.units:
        return None
    return tuple(dict.fromkeys(keyword_key(unit) for unit in principal.units if keyword_key(unit)))


def access_for(principal: Principal) -> Access:
    """The filter every index query of this person carries."""
    return Access(max_rank=CLASSIFICATION_RANK[principal.clearance], unit_keys=_unit_keys(principal))


def may_see(principal: Principal, document: Document) -> bool:
    if classification_rank(document.classification) > CLASSIFICATION_RANK[principal.clearance]:
        return False
    wanted = _unit_keys(principal)
    return wanted is None or bool(set(wanted) & set(document_unit_keys(document)))


def reads_documents(principal: Principal) -> bool:
    return allowed(principal, Action.READ)
