def is_internal_path(url: str) -> bool:
    """A path on this site: starts with one "/", no scheme, no host, no backslash tricks.

    "//evil.example" and "/\\evil.example" are read by browsers as other hosts.
    """
    if not url.startswith("/") or url.startswith("//"):
        return False
    return "\\" not in url and not any(ord(char) < 32 or char.isspace() for char in url)
