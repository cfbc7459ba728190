"""Make the `vbaProject.bin` pyOpenVBA 6.5.0 saves the VBA project Excel itself writes (MS-OVBA).

pyOpenVBA edits the module set; where what it writes differs from a project Excel saved, it is put right
here, stream by stream, on its output:

- the `dir` stream (MS-OVBA 2.3.4.2) ends with the PROJECTMODULES section's Terminator (0x0010) and its
  4-byte Reserved field; pyOpenVBA writes that Reserved field twice, so 4 bytes follow the end;
- a document module added with `add_module(kind=other)` is declared `Class=` in the PROJECT stream
  (MS-OVBA 2.3.1), where Excel declares a sheet's module `Document=<name>/&H00000000`;
- pyOpenVBA appends a new module's [Workspace] record after the empty line that ends Excel's PROJECT stream.

And one edit of ours: the project's name, in the PROJECT stream's `Name=` and in the dir stream's
PROJECTNAME record (MS-OVBA 2.3.4.2.1.6), which must agree.
"""

from __future__ import annotations

import re
import struct

PROJECTNAME = 0x0004
MODULE_TERMINATOR = struct.pack("<HI", 0x002B, 0)  # MODULE record's Terminator + Reserved (2.3.4.2.3.2)
DIR_TERMINATOR = struct.pack("<HI", 0x0010, 0)  # PROJECTMODULES' Terminator (2 bytes) + Reserved (4 bytes)
_NAME_LINE = re.compile(rb'^Name="[^"\r\n]*"\r\n', re.M)


class ProjectShapeError(ValueError):
    """pyOpenVBA's output is not what these edits expect (another pyOpenVBA version)."""


def excel_shaped(vba: bytes, *, documents: tuple[str, ...] = (), project_name: str | None = None,
                 code_page: str = "cp1252") -> bytes:
    """`vba` (a vbaProject.bin) with its PROJECT and dir streams as Excel writes them.

    `documents` are modules that pyOpenVBA declared as classes and are sheets' document modules;
    `project_name`, when given, renames the project.
    """
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import compress, decompress

    cfb = CFB.from_bytes(vba)
    project = cfb.get_stream("PROJECT")
    text = _workspace_as_excel(project)
    for name in documents:
        text = _declared_as_document(text, name.encode(code_page))
    dir_raw = decompress(cfb.get_stream_in_storage("VBA", "dir"), stream_name="dir")
    fixed_dir = dir_end_as_excel(dir_raw)
    if project_name is not None:
        encoded = project_name.encode(code_page)
        text, count = _NAME_LINE.subn(b'Name="' + encoded + b'"\r\n', text, count=1)
        if count != 1:
            raise ProjectShapeError("the PROJECT stream has no Name= line")
        fixed_dir = with_project_name(fixed_dir, encoded)
    if text != project:
        cfb.write_stream("PROJECT", text)
    if fixed_dir != dir_raw:
        cfb.write_stream_in_storage("VBA", "dir", compress(fixed_dir))
    return cfb.to_bytes()


def _workspace_as_excel(text: bytes) -> bytes:
    """The [Workspace] records contiguous and followed by one empty line, as Excel writes them."""
    head, marker, workspace = text.partition(b"[Workspace]\r\n")
    if not marker:
        return text
    records = [line for line in workspace.split(b"\r\n") if line.strip()]
    return head + marker + b"".join(line + b"\r\n" for line in records) + b"\r\n"


def _declared_as_document(text: bytes, name: bytes) -> bytes:
    fixed, count = re.subn(rb"^Class=" + re.escape(name) + rb"\r\n",
                           b"Document=" + name + b"/&H00000000\r\n", text, count=1, flags=re.M)
    if count != 1 and not re.search(rb"^Document=" + re.escape(name) + rb"/", text, re.M):
        raise ProjectShapeError(f"the PROJECT stream declares no module {name!r}")
    return fixed


def dir_end_as_excel(raw: bytes) -> bytes:
    """The decompressed dir stream ending right after the PROJECTMODULES Terminator's Reserved field."""
    end = MODULE_TERMINATOR + DIR_TERMINATOR
    if raw.endswith(end + b"\0\0\0\0"):
        return raw[:-4]
    if not raw.endswith(end):
        raise ProjectShapeError("the dir stream does not end with a module and the PROJECTMODULES terminator")
    return raw


def with_project_name(raw: bytes, name: bytes) -> bytes:
    """The decompressed dir stream with its PROJECTNAME record (Id, SizeOfProjectName, ProjectName) replaced.

    The records before it (SYSKIND, COMPATVERSION, LCID, LCIDINVOKE, CODEPAGE) are plain Id/Size/Data records.
    """
    if not 1 <= len(name) <= 128:  # MS-OVBA: 1 to 128 bytes
        raise ProjectShapeError(f"project name of {len(name)} bytes")
    at = 0
    for _ in range(8):
        record_id, size = struct.unpack_from("<HI", raw, at)
        if record_id == PROJECTNAME:
            return raw[:at] + struct.pack("<HI", PROJECTNAME, len(name)) + name + raw[at + 6 + size:]
        at += 6 + size
    raise ProjectShapeError("no PROJECTNAME record at the start of the dir stream")
