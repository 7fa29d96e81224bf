"""Image Delivery parameters checked on real pixels: images are made with Pillow here, rendered,
decoded again, and their size, colours and format compared with what the parameters ask."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from veneer.assets.images import (
    Limits,
    Transform,
    dimension,
    parse_transform,
    render,
)
from veneer.errors import BadRequest, ValidationFailed

RED, GREEN, BLUE, YELLOW, WHITE, BLACK = (
    (255, 0, 0),
    (0, 255, 0),
    (0, 0, 255),
    (255, 255, 0),
    (255, 255, 255),
    (0, 0, 0),
)
NAMED = {"red": RED, "green": GREEN, "blue": BLUE, "yellow": YELLOW, "white": WHITE}
NAMED |= {"black": BLACK, "magenta": (255, 0, 255)}
DEFAULT = Limits()
ACCEPT_ALL = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"


def quadrants(width: int = 400, height: int = 300) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    image = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    for box, colour in (
        ((0, 0, half_w, half_h), RED),
        ((half_w, 0, width, half_h), GREEN),
        ((0, half_h, half_w, height), BLUE),
        ((half_w, half_h, width, height), YELLOW),
    ):
        image.paste(colour, box)
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def run(
    params: dict[str, str], data: bytes, source: str = "image/png", limits: Limits = DEFAULT
) -> Image.Image:
    transform = parse_transform(params, ACCEPT_ALL, source)
    assert transform is not None
    rendition = render(data, transform, limits)
    image = Image.open(io.BytesIO(rendition.data))
    assert (rendition.width, rendition.height) == image.size
    return image


def colour(image: Image.Image, x: int, y: int) -> str:
    """The name of the nearest named colour at (x, y) (tolerates lossy encoders)."""
    pixel = image.convert("RGB").getpixel((x, y))
    assert isinstance(pixel, tuple)
    return min(NAMED, key=lambda n: sum((a - b) ** 2 for a, b in zip(NAMED[n], pixel)))


def corners(image: Image.Image) -> tuple[str, str, str, str]:
    """Colours 3 px inside the four corners: top-left, top-right, bottom-left, bottom-right."""
    w, h = image.size
    return (
        colour(image, 3, 3),
        colour(image, w - 4, 3),
        colour(image, 3, h - 4),
        colour(image, w - 4, h - 4),
    )


SOURCE = encode(quadrants())


# --- sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"width": "200"}, (200, 150)),
        ({"height": "150"}, (200, 150)),
        ({"width": "100", "height": "100"}, (100, 100)),  # both without fit: exactly that
        ({"width": "50p"}, (200, 150)),
        ({"width": "0.25"}, (100, 75)),
        ({"width": "250p"}, (1000, 750)),
        ({"width": "100", "height": "100", "fit": "bounds"}, (100, 75)),
        ({"width": "100", "height": "100", "fit": "crop"}, (100, 100)),
        ({"width": "100", "height": "100", "fit": "cover"}, (100, 100)),
        ({"width": "100", "fit": "crop"}, (100, 75)),  # fit needs both: ignored
        ({"width": "100", "dpr": "2"}, (200, 150)),
        ({"height": "60", "dpr": "1.5"}, (120, 90)),
        ({"width": "1000", "disable": "upscale"}, (400, 300)),
        ({"width": "1000", "height": "1000", "fit": "bounds", "disable": "upscale"}, (400, 300)),
        ({"width": "100", "disable": "upscale"}, (100, 75)),
        ({"trim": "10,20"}, (360, 280)),
        ({"trim": "10,20,30"}, (360, 260)),
        ({"trim": "10,20,30,40"}, (340, 260)),
        ({"trim": "0.1"}, (320, 240)),
        ({"pad": "10"}, (420, 320)),
        ({"pad": "10,20,30,40"}, (460, 340)),
        ({"crop": "100,50"}, (100, 50)),
        ({"crop": "0.5,0.5"}, (200, 150)),
        ({"crop": "1:1"}, (300, 300)),
        ({"crop": "16:9"}, (400, 225)),
        ({"crop": "100,100", "width": "50"}, (50, 50)),
        ({"orient": "6"}, (300, 400)),
        ({"orient": "8", "width": "150"}, (150, 200)),
        ({"orient": "3"}, (400, 300)),
    ],
)
def test_output_size(params: dict[str, str], size: tuple[int, int]) -> None:
    assert run(params, SOURCE).size == size


# --- where the pixels come from --------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"width": "100"}, ("red", "green", "blue", "yellow")),
        ({"orient": "2"}, ("green", "red", "yellow", "blue")),  # flip horizontally
        ({"orient": "3"}, ("yellow", "blue", "green", "red")),
        ({"orient": "4"}, ("blue", "yellow", "red", "green")),  # flip vertically
        ({"orient": "5"}, ("red", "blue", "green", "yellow")),  # transpose
        ({"orient": "6"}, ("blue", "red", "yellow", "green")),  # 90° right
        ({"orient": "7"}, ("yellow", "green", "blue", "red")),  # transverse
        ({"orient": "8"}, ("green", "yellow", "red", "blue")),  # 90° left
        ({"orient": "r"}, ("blue", "red", "yellow", "green")),
        ({"crop": "100,100,x0,y0"}, ("red", "red", "red", "red")),
        ({"crop": "100,100,x300,y200"}, ("yellow", "yellow", "yellow", "yellow")),
        ({"crop": "100,100,offset-x0,offset-y100"}, ("blue", "blue", "blue", "blue")),
        ({"crop": "100,100,x0.75,y0"}, ("green", "green", "green", "green")),
        ({"crop": "300,300,x200,y0,safe"}, ("red", "green", "blue", "yellow")),
        ({"trim": "0,200,150,0"}, ("red", "red", "red", "red")),
        ({"trim": "0,0,150,200"}, ("green", "green", "green", "green")),
        ({"width": "300", "height": "100", "fit": "crop"}, ("red", "green", "blue", "yellow")),
        ({"pad": "10", "bg-color": "ff00ff"}, ("magenta", "magenta", "magenta", "magenta")),
        ({"pad": "10"}, ("white", "white", "white", "white")),
    ],
)
def test_pixels_land_where_asked(params: dict[str, str], expected: tuple[str, ...]) -> None:
    assert corners(run(params, SOURCE)) == expected


def test_fit_crop_cuts_centrally() -> None:
    tall = encode(quadrants(100, 400))  # a 1:4 strip; a square fit=crop keeps its middle
    image = run({"width": "50", "height": "50", "fit": "crop"}, tall)
    assert (colour(image, 2, 2), colour(image, 47, 47)) == ("red", "yellow")


def test_crop_outside_the_image_is_refused_unless_safe() -> None:
    with pytest.raises(ValidationFailed) as refused:
        run({"crop": "300,300,x200,y0"}, SOURCE)
    assert refused.value.errors.keys() == {"crop"}


def test_trim_of_everything_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        run({"trim": "200"}, SOURCE)
    assert refused.value.status == 422


def test_exif_orientation_is_honoured() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90° right
    photo = encode(quadrants(), "JPEG", exif=exif, quality=95)
    assert dimension(photo) == (400, 300)
    image = run({"width": "150"}, photo, "image/jpeg")
    assert (image.size, corners(image)) == ((150, 200), ("blue", "red", "yellow", "green"))


def test_large_jpeg_shrinks_through_draft_mode_to_the_exact_size() -> None:
    photo = encode(quadrants(2400, 1800), "JPEG", quality=90)
    image = run({"width": "300"}, photo, "image/jpeg")
    assert (image.size, corners(image)) == ((300, 225), ("red", "green", "blue", "yellow"))


# --- formats ---------------------------------------------------------------------------------


def rendered_bytes(params: dict[str, str], accept: str | None, source: bytes = SOURCE) -> bytes:
    transform = parse_transform(params, accept, "image/png")
    assert transform is not None
    return render(source, transform, Limits()).data


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("jpg", lambda d: d[:3] == b"\xff\xd8\xff"),
        ("pjpg", lambda d: d[:3] == b"\xff\xd8\xff" and b"\xff\xc2" in d),  # SOF2: progressive
        ("png", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n"),
        ("webp", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP"),
        ("gif", lambda d: d[:6] in (b"GIF87a", b"GIF89a")),
        ("avif", lambda d: d[4:12] == b"ftypavif"),
    ],
)
def test_format_by_magic_bytes(fmt: str, check: object) -> None:
    data = rendered_bytes({"format": fmt, "width": "40"}, None)
    assert callable(check) and check(data)


def test_baseline_jpeg_is_not_progressive() -> None:
    assert b"\xff\xc2" not in rendered_bytes({"format": "jpg", "width": "40"}, None)


@pytest.mark.parametrize(
    ("auto", "accept", "content_type"),
    [
        ("webp", "image/webp,*/*", "image/webp"),
        ("webp", "image/avif,image/webp", "image/webp"),
        ("avif", "image/avif,image/webp", "image/avif"),
        ("avif", "image/webp,*/*", "image/webp"),
        ("avif", "image/avif;q=0,image/webp", "image/webp"),
        ("webp", "image/*,*/*", "image/jpeg"),  # falls back to format
        ("webp", None, "image/jpeg"),
    ],
)
def test_auto_picks_by_accept(auto: str, accept: str | None, content_type: str) -> None:
    transform = parse_transform({"auto": auto, "format": "jpg"}, accept, "image/png")
    assert transform is not None and transform.content_type == content_type


def test_auto_alone_for_a_client_without_webp_serves_the_original() -> None:
    assert parse_transform({"auto": "webp"}, "image/*", "image/png") is None


def test_auto_webp_renders_webp() -> None:
    data = rendered_bytes({"auto": "webp", "width": "40"}, "image/webp")
    assert data[8:12] == b"WEBP"


def test_quality_changes_the_size() -> None:
    noisy = encode(Image.effect_noise((300, 200), 60).convert("RGB"))
    low = rendered_bytes({"format": "jpg", "quality": "10"}, None, noisy)
    high = rendered_bytes({"format": "jpg", "quality": "95"}, None, noisy)
    assert len(low) * 2 < len(high)


def test_png_alpha_flattens_onto_white_for_jpeg() -> None:
    clear = encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)))
    image = Image.open(io.BytesIO(rendered_bytes({"format": "jpg"}, None, clear)))
    assert (image.mode, colour(image, 10, 10)) == ("RGB", "white")


def test_png_alpha_flattens_onto_bg_color() -> None:
    clear = encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)))
    data = rendered_bytes({"format": "jpg", "bg-color": "0,0,255"}, None, clear)
    assert colour(Image.open(io.BytesIO(data)), 10, 10) == "blue"


def test_bg_color_replaces_transparency_in_png_too() -> None:
    clear = encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)))
    image = Image.open(io.BytesIO(rendered_bytes({"bg-color": "0f0"}, None, clear)))
    assert image.convert("RGBA").getpixel((10, 10)) == (0, 255, 0, 255)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (30, 20), c) for c in (RED, GREEN, BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)


def test_animated_gif_to_png_is_its_first_frame() -> None:
    image = run({"format": "png", "width": "15"}, animated_gif(), "image/gif")
    assert (image.size, getattr(image, "n_frames", 1), colour(image, 7, 5)) == ((15, 10), 1, "red")


def test_animated_gif_stays_animated_as_gif() -> None:
    image = run({"width": "15"}, animated_gif(), "image/gif")
    assert (image.format, image.size, image.n_frames) == ("GIF", (15, 10), 3)


def test_an_animation_over_the_pixel_budget_keeps_its_first_frame() -> None:
    small = Limits(max_pixels=30 * 20 * 2)  # one frame fits, three do not
    image = run({"width": "15"}, animated_gif(), "image/gif", limits=small)
    assert (getattr(image, "n_frames", 1), colour(image, 7, 5)) == (1, "red")


# --- refusals --------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width × height but carries (almost) no pixels: a decompression bomb's
    header, enough for any decoder that trusts it to allocate gigabytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


@pytest.mark.parametrize("size", [(100_000, 100_000), (10_000, 6_000)])
def test_bomb_refused_before_decoding(size: tuple[int, int]) -> None:
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS high-water mark
    before = _status_kb("VmRSS")
    with pytest.raises(ValidationFailed) as refused:
        run({"width": "100"}, png_header(*size))
    grown_mb = (_status_kb("VmHWM") - before) / 1024
    assert (refused.value.status, refused.value.errors.keys()) == (422, {"image"})
    assert grown_mb < 50  # decoding 60 MP of RGB would need 180 MB


def test_output_pixel_cap() -> None:
    with pytest.raises(ValidationFailed) as refused:
        run({"width": "200"}, SOURCE, limits=Limits(max_output_pixels=10_000))
    assert "200×150" in refused.value.message


def test_output_byte_cap() -> None:
    with pytest.raises(ValidationFailed) as refused:
        run({"width": "200"}, SOURCE, limits=Limits(max_output_bytes=50))
    assert "over 50 bytes" in refused.value.message


def test_time_limit() -> None:
    with pytest.raises(ValidationFailed) as refused:
        run({"width": "200"}, SOURCE, limits=Limits(max_seconds=-1))
    assert "longer than" in refused.value.message


def test_a_hopeless_avif_encode_is_refused_before_it_starts() -> None:
    # 2000×1500 as AVIF is estimated at over a second; the budget is a fifth of that.
    with pytest.raises(ValidationFailed) as refused:
        run({"width": "2000", "format": "avif"}, SOURCE, limits=Limits(max_seconds=0.2))
    assert "Encoding this image as avif would take longer" in refused.value.message


def test_undecodable_image_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        run({"width": "10"}, SOURCE[:60])
    assert refused.value.status == 422


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("width", "abc"),
        ("width", "0"),
        ("width", "9000"),
        ("width", "12.5"),
        ("height", "-5"),
        ("quality", "0"),
        ("quality", "101"),
        ("quality", "high"),
        ("format", "tiff"),
        ("fit", "stretch"),
        ("auto", "jpeg"),
        ("disable", "downscale"),
        ("crop", "abc"),
        ("crop", "100"),
        ("crop", "100,100,z5"),
        ("crop", "100,100,offset-x120"),
        ("crop", "0:3"),
        ("trim", "1,2,3,4,5"),
        ("trim", "a"),
        ("pad", "1,x"),
        ("bg-color", "zzz"),
        ("bg-color", "300,0,0"),
        ("bg-color", "0,0,0,2"),
        ("orient", "9"),
        ("orient", "up"),
        ("dpr", "two"),
    ],
)
def test_bad_values_name_the_parameter(param: str, value: str) -> None:
    params = {param: value, "width": "100"} if param != "width" else {param: value}
    with pytest.raises(BadRequest) as bad:
        parse_transform(params, None, "image/png")
    error = bad.value
    assert (error.status, list(error.errors), f"'{param}'" in error.message) == (400, [param], True)


def test_dpr_needs_a_width_or_height() -> None:
    with pytest.raises(BadRequest) as bad:
        parse_transform({"dpr": "2"}, None, "image/png")
    assert bad.value.body()["errors"] == {"dpr": ["dpr needs a width or a height parameter."]}


def test_no_image_parameter_serves_the_original() -> None:
    assert parse_transform({"environment": "production", "cb": "1"}, None, "image/png") is None


@pytest.mark.parametrize("source", ["application/pdf", "image/svg+xml", "image/bmp", "text/html"])
def test_non_raster_sources_are_served_unchanged(source: str) -> None:
    assert parse_transform({"width": "100", "format": "webp"}, None, source) is None


def test_no_op_parameters_serve_the_original() -> None:
    assert parse_transform({"disable": "upscale", "format": "png"}, None, "image/png") is None


def key(params: dict[str, str], accept: str | None = None) -> str:
    transform = parse_transform(params, accept, "image/jpeg")
    assert isinstance(transform, Transform)
    return transform.key()


def test_key_ignores_order_and_unknown_parameters() -> None:
    one = key({"width": "100", "height": "50", "fit": "crop", "format": "webp"})
    other = key({"format": "webp", "cb": "123", "fit": "crop", "height": "50", "width": "100"})
    assert one == other


def test_key_differs_by_what_changes_the_output() -> None:
    keys = {
        key({"width": "100"}),
        key({"width": "101"}),
        key({"width": "100", "quality": "50"}),
        key({"width": "100", "auto": "webp"}, "image/webp"),
        key({"width": "100", "auto": "webp"}, "image/jpeg"),
        key({"width": "100", "orient": "2"}),
        key({"width": "100", "crop": "10,10"}),
    }
    assert len(keys) == 6  # auto=webp for a client without WebP is the plain width=100


def test_key_equates_equivalent_spellings() -> None:
    assert key({"width": "50p"}) == key({"width": "0.5"})


def test_values_are_case_insensitive() -> None:
    assert key({"format": "WEBP", "fit": "Crop", "width": "9", "height": "9"}) == key(
        {"format": "webp", "fit": "crop", "width": "9", "height": "9"}
    )


# --- dimension -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (encode(quadrants(), "PNG"), (300, 400)),
        (encode(quadrants(), "JPEG"), (300, 400)),
        (encode(quadrants(), "WEBP"), (300, 400)),
        (encode(quadrants(), "GIF"), (300, 400)),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80px"/>', (80, 120)),
        (b'<svg width="100%" viewBox="0 0 64 32"></svg>', (32, 64)),
        (b'<svg viewBox="0,0,10.4,20"></svg>', (20, 10)),
        (b'<svg width="5em" height="2em"></svg>', None),
        (b"plain text", None),
        (b"", None),
    ],
)
def test_dimension(data: bytes, expected: tuple[int, int] | None) -> None:
    assert dimension(data) == expected
