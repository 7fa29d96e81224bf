"""Moving a whole stack between databases: `veneer export --stack API_KEY DIR` and `veneer import
DIR` (docs/export-import.md).

An export is a folder: one NDJSON file per kind of object (`kinds.KINDS`, in import order), the
asset files under `blobs/` (content-addressed, as `DiskBlobs` lays them out) and, written last,
`manifest.json` with the line count of every file. The export reads one snapshot of the source in
keyset pages; the import writes batches of lines, each in one transaction, through the store's
own write operations, so every index and side table is kept as normal writes keep it. Each
batch's transaction also records how far the import got (in the stack's settings, removed at the
end): an interrupted import re-run continues after the last batch that committed.
"""
