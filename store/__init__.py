"""Where a dossier's documents live: encrypted, content-addressed, streamed.

`sealing` encrypts a stream in chunks with the payload key ring; `backends` keeps sealed
objects in a folder or in S3-compatible storage; `content` is what the rest of motcua
uses: stage an upload (checked as it streams, nothing kept yet), keep it, read it back.
"""
