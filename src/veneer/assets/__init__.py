"""Assets: uploads, their stored type and file name, and image renditions.

The modules here are pure libraries (bytes in, bytes out) so the HTTP layer stays thin and the
hard parts (trusting no client-sent type, refusing image bombs, caching renditions) are tested
without a server.
"""
