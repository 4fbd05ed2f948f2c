"""A file as an action carries it: pure pydantic (no SQLAlchemy), so workflow inputs and timeline entries can hold
it through the sandbox. The hash travels with the reference, so the case's timeline — and with it the audit chain —
records exactly which bytes were given."""

from pydantic import BaseModel, ConfigDict, Field


class FileRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$", description="文件编号")
    sha256: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$", description="文件内容的 SHA-256")
    name: str = Field(max_length=200, description="文件名")
    content_type: str = Field(max_length=100, description="按文件内容识别的类型（MIME）")
    size: int = Field(ge=1, description="字节数")
