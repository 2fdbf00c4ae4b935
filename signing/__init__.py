"""Digital signatures on issued PDFs (PAdES, Decree 45/2020 art. 27): keys on a PKCS#11
token, a demo CA for development clearly marked DEMO, signing and verification."""
