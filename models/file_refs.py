"""A file as an action carries it: pure pydantic (no SQLAlchemy), so workflow inputs and timeline entries can hold
it through the sandbox. The hash travels with the reference, so the case's timeline — and with it the audit chain —
records exactly which bytes were given."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class FileRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$", description="文件编号")
    sha256: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$", description="文件内容的 SHA-256")
    name: str = Field(max_length=200, description="文件名")
    content_type: str = Field(max_length=100, description="按文件内容识别的类型（MIME）")
    size: int = Field(ge=1, description="字节数")


# ---- files an action carries -------------------------------------------------------------------------------------
# A request names uploaded files by id (`files`); the API checks each readable by the caller, and the workflow's
# input carries them as FileRef (id, name, type, size, SHA-256) so the act's timeline entry records which bytes were
# given. Both default to none: inputs recorded before files existed read as they were.

FileId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
MAX_FILES = 20
# All an action carries: its own `files` and those under each of its materials (`material_files`).
MAX_CARRIED = 100


def file_ids(title: str = "附件") -> Any:
    """A request's `files`: the ids `POST /api/v1/files` returned."""
    return Field(default_factory=list, max_length=MAX_FILES, title=title,
                 description="已上传文件的编号（POST /api/v1/files 返回的 id），可多个；须为本人（本企业）可查阅的文件",
                 json_schema_extra={"x-widget": "files"})


def material_files() -> Any:
    """A material's own `files`: ids of uploads, kept with the material in the case."""
    return Field(default_factory=list, max_length=MAX_FILES, title="材料文件",
                 description="该项材料的已上传文件编号（POST /api/v1/files 返回的 id）")


def carried_files() -> Any:
    """A workflow input's `files`: what the request's ids refer to (its own and its materials'), checked by the
    API."""
    return Field(default_factory=list, max_length=MAX_CARRIED, description="随本次操作提交的文件")
