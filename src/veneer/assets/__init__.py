"""Assets: files, their storage and their image renditions."""
