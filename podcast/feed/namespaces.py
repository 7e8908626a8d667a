"""XML namespaces the feed uses."""

PODCAST_NS = "https://podcastindex.org/namespace/1.0"  # Podcasting 2.0
PSC_NS = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM_NS = "http://www.w3.org/2005/Atom"
