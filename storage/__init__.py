"""Files: what an upload really is (sniff), a safe name for it (names), the content-addressed stores that keep
the bytes (blobs: a local folder or an S3-compatible bucket), and the streaming multipart reader (upload)."""
