"""The public check of a document: is this code one we issued, is its record intact in the audit chain, are the
archived bytes still those, and — when the holder gives the hash of the file they hold — is it that document."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from documents.issue import chain_data, chain_record, normalise_code
from domain.errors import DomainError, ErrorCode
from models.files import CaseDocument
from storage.blobs import BlobStore


async def verify_document(session: AsyncSession, store: BlobStore, code: str, sha256: str | None) -> CaseDocument:
    doc = (await session.exec(select(CaseDocument).where(
        CaseDocument.verification_code == normalise_code(code)))).first()
    if doc is None:
        raise DomainError(ErrorCode.DOCUMENT_NOT_FOUND,
                          "未找到该核验码对应的文书，请核对核验码；无法核验的文书不应采信")
    record = await chain_record(session, doc)
    if record is None or record != chain_data(doc):
        raise DomainError(ErrorCode.DOCUMENT_HASH_MISMATCH, "该文书的存证记录与审计链不符，请联系出具机关核实")
    if await store.digest(doc.sha256) != doc.sha256:
        raise DomainError(ErrorCode.DOCUMENT_HASH_MISMATCH, "该文书的存档文件与存证记录不符，请联系出具机关核实")
    if sha256 is not None and sha256.strip().lower() != doc.sha256:
        raise DomainError(ErrorCode.DOCUMENT_HASH_MISMATCH,
                          "您持有的文件与本系统出具的原件不一致（SHA-256 不符），可能是伪造或被篡改的文书",
                          {"doc_no": doc.doc_no})
    return doc
