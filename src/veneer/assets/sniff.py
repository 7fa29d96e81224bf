"""What an upload really is, and what it may be called.

The `Content-Type` a client sends with an upload is a claim, not a fact: an HTML page sent as
`image/jpeg` and later served back from our origin would run its script with the site's cookies.
So the stored type comes from the bytes (magic numbers and, for text, its first element), and the
file name only chooses among harmless text types (`.css` vs `.csv`), never makes a file an image.
`is_active` names the types a browser may execute; the HTTP layer serves those sandboxed
(`Content-Security-Policy: sandbox`) and as attachments. `safe_filename` keeps names usable in a
URL path and a `Content-Disposition` header and free of path tricks.
"""

from __future__ import annotations

import json
import re
import unicodedata

OCTET = "application/octet-stream"

# (prefix, type), checked in order; the ones that need more than a prefix are in `_binary`.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"PK\x07\x08", "application/zip"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"ID3", "audio/mpeg"),
)

# ISO base media (`....ftyp<brand>`): the major and compatible brands say what is inside.
_FTYP_BRANDS: tuple[tuple[frozenset[bytes], str], ...] = (
    (frozenset({b"avif", b"avis"}), "image/avif"),
    (frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"}), "image/heic"),
    (frozenset({b"qt  "}), "video/quicktime"),
    (frozenset({b"M4A ", b"M4B "}), "audio/mp4"),
    (
        frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1"})
        | frozenset({b"dash", b"M4V ", b"mmp4", b"MSNV", b"3gp4", b"3gp5"}),
        "video/mp4",
    ),
)

_BMP_DIB_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})

# Zip containers whose extension names a more precise, equally inert type.
_ZIP_BY_EXT = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "epub": "application/epub+zip",
}

# Text: the extension picks among these; anything else is text/plain.
_TEXT_BY_EXT = {
    "css": "text/css",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "js": "text/javascript",
    "mjs": "text/javascript",
    "md": "text/markdown",
    "markdown": "text/markdown",
    "txt": "text/plain",
    "ics": "text/calendar",
    "vtt": "text/vtt",
    "html": "text/html",
    "htm": "text/html",
    "json": "application/json",
}

# The WHATWG MIME-sniffing standard's "HTML" signatures: a text starting with one of these tags
# is rendered as HTML by browsers, whatever its name.
_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p"
    rb"|!--)(?:[\s>]|$)",
    re.IGNORECASE,
)
# Prolog items that may precede an XML root element: declaration, comments, doctype, PIs.
_XML_PROLOG = re.compile(
    rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!(?i:DOCTYPE)[^>\[]*(?:\[.*?\])?\s*>)", re.DOTALL
)
_ROOT_TAG = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)")
_JSON_START = re.compile(rb"\s*[\[{]")
_JSON_PARSE_LIMIT = 10 * 1024 * 1024

_ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
    }
)


def sniff(data: bytes, filename: str) -> str:
    """The MIME type to store for an upload, decided by its bytes; `filename` only picks among
    text types. Unknown binary data is `application/octet-stream`."""
    return _binary(data, _extension(filename)) or _text(data, _extension(filename)) or OCTET


def is_active(content_type: str | None) -> bool:
    """True when a browser could run script in a response of this type (HTML, SVG, XML,
    JavaScript), so it must be served sandboxed and as an attachment."""
    if not content_type:
        return False
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence in _ACTIVE_TYPES or essence.endswith("+xml")


def _extension(filename: str) -> str:
    name = re.split(r"[/\\]", filename)[-1]
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def _binary(data: bytes, ext: str) -> str | None:
    head = data[:64]
    for prefix, mime in _MAGIC:
        if head.startswith(prefix):
            return _ZIP_BY_EXT.get(ext, mime) if mime == "application/zip" else mime
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}[head[8:12]]
    if head[4:8] == b"ftyp":
        return _ftyp(data)
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM or another Matroska
        return "video/webm" if b"webm" in data[:64] else "video/x-matroska"
    if _is_bmp(head):
        return "image/bmp"
    if (
        head[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00")
        and len(head) >= 22
        and head[4:6] != b"\x00\x00"
    ):
        return "image/x-icon"
    if _is_mpeg_audio(head):
        return "audio/mpeg"
    if b"%PDF-" in data[:1024]:  # readers accept a PDF header anywhere in the first KB
        return "application/pdf"
    return None


def _ftyp(data: bytes) -> str | None:
    size = int.from_bytes(data[:4], "big")
    box = data[8 : min(max(size, 16), 256)]
    brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4) if i != 4}  # skip minor version
    for known, mime in _FTYP_BRANDS:
        if box[:4] in known:
            return mime
    for known, mime in _FTYP_BRANDS:
        if brands & known:
            return mime
    return None


def _is_bmp(head: bytes) -> bool:
    return (
        head[:2] == b"BM"
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES
    )


def _is_mpeg_audio(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a version, and a layer that is not reserved."""
    return (
        len(head) >= 4
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and (head[1] >> 1) & 0x03 != 0
        and (head[1] >> 3) & 0x03 != 1
        and head[2] >> 4 != 0x0F
    )


def _text(data: bytes, ext: str) -> str | None:
    if b"\x00" in data:
        return None
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    markup = _markup(body)
    if markup:
        return markup
    if _is_json(body, ext):
        return "application/json"
    mime = _TEXT_BY_EXT.get(ext, "text/plain")
    return "text/plain" if mime == "application/json" else mime


def _markup(body: bytes) -> str | None:
    """SVG or XHTML by their root element, HTML by its first tag, other XML by its declaration."""
    stripped = body.lstrip()
    root = _root_element(body)
    local = root.rsplit(b":", 1)[-1].lower() if root else None
    if local == b"svg":
        return "image/svg+xml"
    if local == b"html":
        return "application/xhtml+xml" if stripped.startswith(b"<?xml") else "text/html"
    if _HTML_START.match(stripped):
        return "text/html"
    if root is not None and stripped.startswith(b"<?xml"):
        return "application/xml"
    return None


def _root_element(body: bytes) -> bytes | None:
    """The name of the first element after the XML prolog, or None if the text does not start
    with markup. Only the first 64 KB are looked at: a root comes early or not at all."""
    pos, head = 0, body[:65536]
    while (prolog := _XML_PROLOG.match(head, pos)) and prolog.end() > pos:
        pos = prolog.end()
    tag = _ROOT_TAG.match(head, pos)
    return tag.group(1) if tag else None


def _is_json(body: bytes, ext: str) -> bool:
    if not _JSON_START.match(body):
        return False
    if len(body) > _JSON_PARSE_LIMIT:
        return ext == "json"
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# File names

_MAX_NAME = 200
_MAX_EXT = 16
_REPLACED = frozenset("/\\?#%\"'`<>")


def safe_filename(name: str) -> str:
    """A name safe to store and to put in a URL path or `Content-Disposition`: the basename only,
    NFC, no control or format characters, no `..`, at most 200 characters with the extension
    kept, never empty ("file")."""
    base = re.split(r"[/\\]", name.replace("\x00", ""))
    base_name = next((part for part in reversed(base) if part.strip(" .")), "")
    cleaned = "".join(_safe_char(c) for c in unicodedata.normalize("NFC", base_name))
    cleaned = re.sub(r"\.{2,}", ".", cleaned).strip(" .")
    return _shorten(cleaned) or "file"


def _safe_char(char: str) -> str:
    if char in _REPLACED or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
        return "_"
    return char


def _shorten(name: str) -> str:
    if len(name) <= _MAX_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > _MAX_EXT or not stem:
        return name[:_MAX_NAME].rstrip(" .")
    return stem[: _MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
