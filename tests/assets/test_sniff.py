"""The stored type comes from the bytes, the name is made safe, active types are flagged."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from veneer.assets.sniff import is_active, safe_filename, sniff


def _image(fmt: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (8, 6), "red").save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mode", "expected"),
    [
        ("JPEG", "RGB", "image/jpeg"),
        ("PNG", "RGB", "image/png"),
        ("GIF", "P", "image/gif"),
        ("WEBP", "RGB", "image/webp"),
        ("AVIF", "RGB", "image/avif"),
        ("BMP", "RGB", "image/bmp"),
        ("TIFF", "RGB", "image/tiff"),
        ("ICO", "RGBA", "image/x-icon"),
        ("PDF", "RGB", "application/pdf"),
    ],
)
def test_real_files_made_by_pillow(fmt: str, mode: str, expected: str) -> None:
    assert sniff(_image(fmt, mode), "upload.bin") == expected


def test_the_name_does_not_decide_binary_types() -> None:
    assert sniff(_image("PNG"), "notes.txt") == "image/png"


def test_html_named_jpg_is_html() -> None:
    page = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>"
    assert sniff(page, "photo.jpg") == "text/html"


def test_a_script_fragment_is_html() -> None:
    assert sniff(b"  <script>fetch('/steal')</script>", "avatar.png") == "text/html"


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        (
            b'<?xml version="1.0"?>\n<!-- logo -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg viewBox="0 0 4 4"></svg>'
        ),
        b"\xef\xbb\xbf<svg:svg xmlns:svg='http://www.w3.org/2000/svg'></svg:svg>",
    ],
)
def test_svg_by_its_root_element(svg: bytes) -> None:
    assert sniff(svg, "logo.png") == "image/svg+xml"


def test_other_xml_and_xhtml() -> None:
    assert sniff(b'<?xml version="1.0"?><feed></feed>', "feed") == "application/xml"
    xhtml = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>'
    assert sniff(xhtml, "page.xhtml") == "application/xhtml+xml"


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"a,b\n1,2\n", "data.csv", "text/csv"),
        (b"body { color: red }", "site.css", "text/css"),
        (b"export const a = 1;", "app.js", "text/javascript"),
        (b"# Title\n", "README.md", "text/markdown"),
        (b"hello", "hello.txt", "text/plain"),
        (b"hello", "hello.exe", "text/plain"),
        ("grüße".encode(), "", "text/plain"),
        (b'{"a": [1, 2]}', "data.bin", "application/json"),
        (b'{"a": ', "broken.json", "text/plain"),
        (b"a\x00b", "nul.txt", "application/octet-stream"),
        (b"\xff\xfe\xfa", "latin.txt", "application/octet-stream"),
    ],
)
def test_text_types(data: bytes, name: str, expected: str) -> None:
    assert sniff(data, name) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + b"\x00" * 20, "audio/mpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"OggS\x00\x02" + b"\x00" * 20, "audio/ogg"),
        (b"PK\x03\x04\x14\x00" + b"\x00" * 20, "application/zip"),
        (b"\x00\x01\x02\x03\x04", "application/octet-stream"),
    ],
)
def test_media_and_containers(data: bytes, expected: str) -> None:
    assert sniff(data, "file") == expected


def test_zip_refined_by_office_extension() -> None:
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert sniff(b"PK\x03\x04" + b"\x00" * 26, "report.docx") == docx


@pytest.mark.parametrize(
    ("content_type", "active"),
    [
        ("image/svg+xml", True),
        ("text/html; charset=utf-8", True),
        ("application/xhtml+xml", True),
        ("application/xml", True),
        ("text/javascript", True),
        ("application/rss+xml", True),
        ("image/png", False),
        ("text/plain", False),
        ("application/pdf", False),
        (None, False),
    ],
)
def test_is_active(content_type: str | None, active: bool) -> None:
    assert is_active(content_type) is active


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("dir/..", "dir"),
        ("..", "file"),
        ("", "file"),
        ("   ", "file"),
        ("a\x00b.png", "ab.png"),
        ("line\nbreak\t.txt", "line_break_.txt"),
        ("q?u#e%r\"y<>'.png", "q_u_e_r_y___.png"),
        ("evil\u202egnp.exe", "evil_gnp.exe"),
        ("a..b...c.jpg", "a.b.c.jpg"),
        ("Cafe\u0301 — été.png", "Café — été.png"),
        ("日本語 ファイル.jpg", "日本語 ファイル.jpg"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("x" * 500 + ".jpeg")
    assert (len(name), name[-5:]) == (200, ".jpeg")


def test_long_names_without_extension_are_cut() -> None:
    assert safe_filename("é" * 300) == "é" * 200
