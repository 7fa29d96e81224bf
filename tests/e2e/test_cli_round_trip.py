"""The official Contentstack CLI moves a stack out of Veneer and into a new one, and nothing is lost
(issue 14): `csdx cm:stacks:export` of a stack with locales, environments, a taxonomy, a global
field, assets in a folder, entries in two locales with references, files, JSON RTE asset nodes,
groups and blocks, publications, variant groups, variants and entry variants; then
`csdx cm:stacks:import` into an empty stack; then every part of both stacks is compared.

The stacks are built and read in process (TestClient) on the database the server serves. Uids the
import makes anew (entries, assets, folders, environments) are compared by what names them
(content type and title, filename, name). One difference is the CLI's own: its import marks the
JSON RTE nodes it walks with `attrs.dirty: true` and removes their uids (the target names them
anew, as Contentstack does); the comparison ignores both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, Api
from tests.e2e.csdx import Csdx, complaints
from tests.e2e.stacks import build_source, csdx_server, differences, snapshot
from veneer.services.context import Services


@pytest.fixture
def csdx(services: Services, tmp_path: Path) -> Iterator[Csdx]:
    with csdx_server(services.settings, tmp_path) as cli:
        yield cli


def test_csdx_exports_a_stack_and_imports_it_into_a_new_one_losing_nothing(
    api: Api, csdx: Csdx, tmp_path: Path
) -> None:
    build_source(api)
    source = api.api_key
    target = api.ok(
        api.post("/stacks", {"stack": {"name": "Imported", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    csdx.configure(api.email, PASSWORD, personalize="/personalize")

    exported = csdx.run("cm:stacks:export", "-k", source, "-d", str(tmp_path / "export"), "-y")
    assert "has been exported successfully" in exported, exported
    imported = csdx.run(
        "cm:stacks:import", "-k", target, "-d", str(tmp_path / "export" / "main"), "-y"
    )
    assert complaints(exported) == [] and complaints(imported) == [], exported + imported

    before, after = snapshot(api, source), snapshot(api, target)
    for part in before:
        assert differences(before[part], after[part], part) == []
    # The comparison compares something: the source holds what build_source made.
    assert len(before["entries"]) == 6 and before["assets"] and before["entry_variants"]
